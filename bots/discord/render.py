"""Reply -> Discord messages: markdown content plus component rows, within Discord's limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bots.discord.inbound import BUTTON_PREFIX, SELECT_PREFIX, answer_custom_id
from core.markup import parse_line, split_lines
from core.messaging import Attachment, Button, LinkButton, Reply, fit_label

MAX_CONTENT = 2000
MAX_ROWS = 5
MAX_BUTTONS_PER_ROW = 5
MAX_OPTIONS = 25
MAX_LABEL = 80
MAX_CUSTOM_ID = 100
ANSWER_HERE = "Answer here"


@dataclass(frozen=True)
class ButtonSpec:
    label: str
    custom_id: str = ""
    url: str = ""


@dataclass(frozen=True)
class SelectSpec:
    custom_id: str
    placeholder: str
    options: tuple[tuple[str, str], ...]  # (label, value = payload)
    multiple: bool = False  # choose any number (a form's multi-select field)


Row = tuple[ButtonSpec, ...] | SelectSpec


@dataclass
class Message:
    content: str
    rows: list[Row] = field(default_factory=list)
    attachment: Attachment | None = None  # sent as a file upload with the message


def _cut(text: str, limit: int) -> str:
    return fit_label(text, limit)  # cut at a word, as on every surface


def _md_escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\\*_`~|>[]()#":
            out.append("\\" + ch)
        else:
            out.append(ch)
    return "".join(out)


def to_markdown(text: str, public_url: str = "") -> str:
    lines = []
    for line in text.split("\n"):
        bullet = line.startswith("- ") or line.startswith("• ")
        body = line[2:] if bullet else line
        parts = []
        for s in parse_line(body):
            t = _md_escape(s.text)
            if s.kind == "bold":
                parts.append(f"**{t}**")
            elif s.kind == "italic":
                parts.append(f"*{t}*")
            elif s.kind == "code":
                parts.append(f"`{s.text.replace('`', 'ˋ')}`")
            elif s.kind == "link":
                url = public_url.rstrip("/") + s.url if s.url.startswith("/") else s.url
                parts.append(f"[{t}]({url})")
            else:
                parts.append(t)
        lines.append(("- " if bullet else "") + "".join(parts))
    return "\n".join(lines)


def _split(text: str, limit: int) -> list[str]:
    # Discord refuses empty content; a zero-width space stands in.
    return split_lines(text, limit) or ["\u200b"]


def _abs(url: str, public_url: str) -> str:
    return public_url.rstrip("/") + url if url.startswith("/") else url


def render(
    replies: Sequence[Reply], public_url: str = "", *, in_guild: bool = False
) -> list[Message]:
    """In a server a question that takes typed text gets "Answer here" (a modal): there is
    no typing to the bot in a channel. In DMs people just type."""
    out: list[Message] = []
    for reply in replies:
        content = to_markdown(reply.text, public_url)
        notes = []
        if reply.image is not None:
            notes.append(f"-# 🖼 {_md_escape(reply.image.alt)}")
        if notes:
            content += "\n" + "\n".join(notes)
        texts = _split(content, MAX_CONTENT)
        rows: list[Row] = []
        if reply.asks is not None and in_guild:
            rows.append((ButtonSpec(ANSWER_HERE, answer_custom_id(reply.asks)),))
        for row in reply.buttons:
            specs: list[ButtonSpec] = []
            for b in row:
                if isinstance(b, Button):
                    specs.append(ButtonSpec(_cut(b.label, MAX_LABEL), BUTTON_PREFIX + b.payload))
                elif isinstance(b, LinkButton):
                    specs.append(ButtonSpec(_cut(b.label, MAX_LABEL), url=_abs(b.url, public_url)))
            for i in range(0, len(specs), MAX_BUTTONS_PER_ROW):
                rows.append(tuple(specs[i : i + MAX_BUTTONS_PER_ROW]))
        if reply.choices is not None:
            opts = reply.choices.options
            for n, i in enumerate(range(0, len(opts), MAX_OPTIONS)):
                rows.append(
                    SelectSpec(
                        f"{SELECT_PREFIX}{n}",
                        _cut(reply.choices.placeholder, 150),
                        tuple((_cut(c.label, 100), c.payload) for c in opts[i : i + MAX_OPTIONS]),
                    )
                )
        messages = [Message(t) for t in texts]
        messages[0].attachment = reply.attachment
        messages[-1].rows = rows[:MAX_ROWS]
        for i in range(MAX_ROWS, len(rows), MAX_ROWS):
            messages.append(Message("…", rows[i : i + MAX_ROWS]))
        out.extend(messages)
    return out
