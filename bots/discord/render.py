"""Reply -> Discord messages: markdown content plus component rows, within Discord's limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from bots.discord.inbound import BUTTON_PREFIX, SELECT_PREFIX, answer_custom_id
from core.markup import parse_line, split_markup, utf16_len
from core.messaging import Attachment, Button, LinkButton, Reply, avatar_of, cards_of, fit_label

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
MAX_EMBEDS = 10


@dataclass(frozen=True)
class EmbedSpec:
    """A small embed carrying a person's photo as its thumbnail (issue 18)."""

    title: str
    description: str
    thumbnail_url: str


@dataclass
class Message:
    content: str
    rows: list[Row] = field(default_factory=list)
    attachment: Attachment | None = None  # sent as a file upload with the message
    alt: str = ""  # the attachment's description (an image's alt text)
    embeds: list[EmbedSpec] = field(default_factory=list)


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


def _split(text: str, notes: list[str], public_url: str) -> list[str]:
    """The text as message contents within Discord's limit, split as markup (a cut never
    leaves a `**` or a link half open); notes go on the last part if there is room."""
    parts = [
        to_markdown(p, public_url)
        for p in split_markup(text, MAX_CONTENT, lambda s: utf16_len(to_markdown(s, public_url)))
    ]
    for note in notes:
        note = _cut(note, MAX_CONTENT)
        if parts and utf16_len(parts[-1]) + 1 + utf16_len(note) <= MAX_CONTENT:
            parts[-1] += "\n" + note
        else:
            parts.append(note)
    # Discord refuses empty content; a zero-width space stands in.
    return parts or ["\u200b"]


def _image_name(alt: str) -> str:
    stem = "-".join("".join(c if c.isalnum() else " " for c in alt.casefold()).split()[:5])
    return f"{stem or 'image'}.png"


def _abs(url: str, public_url: str) -> str:
    return public_url.rstrip("/") + url if url.startswith("/") else url


def _embeds(reply: Reply, public_url: str) -> list[EmbedSpec]:
    """Result cards and a profile with a photo: one embed each, the photo its thumbnail
    (Discord fetches it from our public URL)."""
    if not public_url.startswith(("http://", "https://")):
        return []
    out: list[EmbedSpec] = []
    hint = cards_of(reply)
    for card in hint[1] if hint else []:
        if card.image:
            line = " · ".join(x for x in (card.line, card.price, card.rating) if x)
            out.append(
                EmbedSpec(_cut(card.title, 256), _cut(line, 4096), _abs(card.image, public_url))
            )
    picture = avatar_of(reply)
    if picture:
        out.append(EmbedSpec("Profile photo", "", _abs(picture, public_url)))
    return out[:MAX_EMBEDS]


def render(
    replies: Sequence[Reply], public_url: str = "", *, in_guild: bool = False
) -> list[Message]:
    """In a server a question that takes typed text gets "Answer here" (a modal): there is
    no typing to the bot in a channel. In DMs people just type."""
    out: list[Message] = []
    for reply in replies:
        notes = []
        if reply.image is not None:
            notes.append(f"-# 🖼 {_md_escape(reply.image.alt)}")
        texts = _split(reply.text, notes, public_url)
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
        if reply.attachment is None and reply.image is not None:
            # An image is an attachment Discord shows inline, its alt text the description.
            messages[0].attachment = Attachment(
                _image_name(reply.image.alt), "image/png", reply.image.png
            )
            messages[0].alt = reply.image.alt[:1024]
        messages[0].embeds = _embeds(reply, public_url)
        messages[-1].rows = rows[:MAX_ROWS]
        for i in range(MAX_ROWS, len(rows), MAX_ROWS):
            messages.append(Message("…", rows[i : i + MAX_ROWS]))
        out.extend(messages)
    return out
