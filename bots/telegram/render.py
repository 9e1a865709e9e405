"""Reply -> Telegram messages: HTML parse mode, inline keyboards, photos and documents."""

from __future__ import annotations

import html
import logging
from dataclasses import dataclass

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from core.commands import menu_commands
from core.markup import Span, parse_line, split_markup, utf16_len
from core.messaging import Button, LinkButton, Reply, fit_label
from core.payloads import PayloadError, check_size

log = logging.getLogger(__name__)

MAX_TEXT = 4096
MAX_CAPTION = 1024
# Telegram refuses buttons whose URL it can't open (http://127.0.0.1, relative paths).
_URL_BUTTON_SCHEMES = ("https://", "tg://")
_BUTTON_LABEL = 64  # longer labels are cut off on phones anyway


@dataclass(frozen=True)
class OutText:
    html: str
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class OutPhoto:
    png: bytes
    caption: str
    keyboard: InlineKeyboardMarkup | None = None


@dataclass(frozen=True)
class OutDocument:
    filename: str
    mime: str
    data: bytes
    caption: str
    keyboard: InlineKeyboardMarkup | None = None


Out = OutText | OutPhoto | OutDocument


def _span_html(s: Span) -> str:
    # Telegram's HTML knows <b> <i> <code> <a href>; anything else is a parse error,
    # so text is always escaped (quote=False: Telegram wants only < > & escaped).
    t = html.escape(s.text, quote=False)
    if s.kind == "bold":
        return f"<b>{t}</b>"
    if s.kind == "italic":
        return f"<i>{t}</i>"
    if s.kind == "code":
        return f"<code>{t}</code>"
    if s.kind == "link":
        if s.url.startswith(("http://", "https://", "mailto:")):
            return f'<a href="{html.escape(s.url, quote=True)}">{t}</a>'
        return f"{t} ({html.escape(s.url, quote=False)})"
    return t


def line_html(line: str) -> str:
    body = line[2:] if line.startswith(("- ", "• ")) else None
    rendered = "".join(_span_html(s) for s in parse_line(body if body is not None else line))
    return "• " + rendered if body is not None else rendered


def to_telegram_html(text: str) -> str:
    return "\n".join(line_html(line) for line in text.split("\n"))


def html_size(markup: str) -> int:
    """What a part of markup costs against Telegram's limit. Telegram counts UTF-16 units of
    the text after its entities are parsed; counting the HTML with its tags stays under that."""
    return utf16_len(to_telegram_html(markup))


def split_html(text: str, limit: int = MAX_TEXT) -> list[str]:
    """The reply's text as Telegram HTML messages, each within the limit and all of it
    there: split as markup (core.markup.split_markup), so no tag is ever cut in half."""
    return [to_telegram_html(part) for part in split_markup(text, limit, html_size)]


def keyboard(reply: Reply) -> tuple[InlineKeyboardMarkup | None, list[str]]:
    """Inline keyboard plus lines for links Telegram won't take as buttons."""
    rows: list[list[InlineKeyboardButton]] = []
    extra: list[str] = []
    for row in reply.buttons:
        out: list[InlineKeyboardButton] = []
        for b in row:
            if isinstance(b, Button):
                btn = _callback_button(b.label, b.payload)
                if btn is not None:
                    out.append(btn)
            elif isinstance(b, LinkButton):
                if b.url.startswith(_URL_BUTTON_SCHEMES):
                    out.append(
                        InlineKeyboardButton(text=fit_label(b.label, _BUTTON_LABEL), url=b.url)
                    )
                else:
                    extra.append(f"{html.escape(b.label, quote=False)}: {html.escape(b.url)}")
        if out:
            rows.append(out)
    if reply.choices is not None:
        for c in reply.choices.options:
            btn = _callback_button(c.label, c.payload)
            if btn is not None:
                rows.append([btn])
    return (InlineKeyboardMarkup(inline_keyboard=rows) if rows else None), extra


def _callback_button(label: str, payload: str) -> InlineKeyboardButton | None:
    try:
        check_size(payload)  # the codec checks packed payloads; this catches hand-made ones
    except PayloadError:
        log.error("dropped a button whose payload is over Telegram's 64 bytes: %r", label)
        return None
    return InlineKeyboardButton(text=fit_label(label, _BUTTON_LABEL) or "·", callback_data=payload)


def render(reply: Reply) -> list[Out]:
    """One reply as Telegram messages; the keyboard rides on the last one."""
    kb, extra = keyboard(reply)
    text = reply.text
    chunks = split_html(text)
    if extra:
        chunks.append("\n".join(extra))
    if reply.choices is not None and not chunks:
        chunks = [html.escape(reply.choices.placeholder, quote=False)]
    outs: list[Out] = []
    caption = ""
    if (
        (reply.image or reply.attachment)
        and len(chunks) == 1
        and utf16_len(chunks[0]) <= MAX_CAPTION
    ):
        caption = chunks.pop()  # short text reads best as the caption of the file
    outs.extend(OutText(c) for c in chunks)
    if reply.image is not None:
        alt = caption or html.escape(reply.image.alt[:200], quote=False)
        outs.append(OutPhoto(reply.image.png, alt))
        caption = ""
    if reply.attachment is not None:
        a = reply.attachment
        outs.append(OutDocument(a.filename, a.mime, a.data, caption))
    if not outs:
        if kb is None:
            return []
        outs.append(OutText("…"))
    if kb is not None:
        last = outs[-1]
        if isinstance(last, OutText):
            outs[-1] = OutText(last.html, kb)
        elif isinstance(last, OutPhoto):
            outs[-1] = OutPhoto(last.png, last.caption, kb)
        else:
            outs[-1] = OutDocument(last.filename, last.mime, last.data, last.caption, kb)
    return outs


def choice_echo(original_html: str, label: str) -> str:
    """The pressed message with its keyboard folded into the answer that was chosen."""
    echo = f"\n\n» <i>{html.escape(label, quote=False)}</i>"
    if not label or utf16_len(original_html + echo) > MAX_TEXT:
        return original_html  # a full message keeps its text whole (cutting HTML breaks tags)
    return original_html + echo


def group_welcome() -> Reply:
    """What the bot says in a group it was just added to: how members use it there."""
    lines = ["Hi! I'm *MentorBot*: I help people here find a peer mentor. In this group:"]
    for c in menu_commands(groups=True):
        hint = f" {c.arg.hint}" if c.arg is not None else ""
        about = "what works here" if c.name == "help" else c.help  # not "this help"
        if c.name == "community":
            hint, about = " link CODE", "link this group to a MentorBot community"
        lines.append(f"- /{c.name}{hint} — {about}")
    lines.append(
        "Everything personal (your profile, booking a session) continues in a private chat "
        "with me. A community can be linked to this group: its messages then reach the "
        "community's other chats — for that I need to see the group's messages (make me an "
        "admin, or turn my privacy mode off in @BotFather)."
    )
    return Reply("\n".join(lines))
