"""Telegram's side of the community bridge (DESIGN §11): a linked group's messages go to core,
and core's copies from the other platforms are posted, edited and deleted here.

Telegram tells a bot about edits (edited_message) but never about deletions, so a message
deleted in Telegram stays in the other chats until a moderator removes it everywhere."""

from __future__ import annotations

import logging
import re
from typing import Any

from aiogram import Bot
from aiogram.exceptions import (
    TelegramAPIError,
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNetworkError,
    TelegramNotFound,
    TelegramRetryAfter,
    TelegramServerError,
)
from aiogram.methods import (
    DeleteMessage,
    EditMessageCaption,
    EditMessageText,
    SendDocument,
    SendMessage,
    SendPhoto,
    SendVoice,
    TelegramMethod,
)
from aiogram.types import (
    BufferedInputFile,
    LinkPreviewOptions,
    Message,
    MessageEntity,
    ReplyParameters,
)

from bots.telegram.render import OutText, render
from bots.voice import is_ogg_opus, to_ogg_opus
from core.app import CoreApp
from core.markup import linked, platform_mention, replace_mentions, styled, typed
from core.messaging import Actor
from core.ports import ChatRef, MessageGone, RelayGone, RelayOut, RelayRetry
from core.services.relay import Upload

log = logging.getLogger(__name__)

CAPTION_MAX = 1024
PHOTO_MAX = 10 * 1024 * 1024  # sendPhoto takes photos up to 10 MB
UPLOAD_MAX = 50 * 1024 * 1024  # and other files up to 50 MB
DOWNLOAD_MAX = 20 * 1024 * 1024  # getFile serves files up to 20 MB
PHOTO_TYPES = ("image/jpeg", "image/png", "image/webp")
_NO_PREVIEW = LinkPreviewOptions(is_disabled=True)


def chat_ref(msg: Message) -> ChatRef:
    """The group, or the forum topic the message is in (a topic links on its own: messages
    of other topics, and of the General topic, belong to whatever those are linked to)."""
    topic = msg.message_thread_id if msg.is_topic_message else None
    return ChatRef("telegram", "telegram", str(msg.chat.id), str(topic) if topic else "")


def replied_to(msg: Message) -> str | None:
    parent = msg.reply_to_message
    if parent is None:
        return None
    # In a forum every message of a topic "replies" to the topic's first message.
    if msg.is_topic_message and parent.message_id == msg.message_thread_id:
        return None
    return str(parent.message_id)


_STYLES = {"bold": "bold", "italic": "italic", "code": "code", "pre": "code"}


def markup_of(text: str, entities: list[MessageEntity] | None) -> str:
    """A message's text and its entities (offsets in UTF-16 units) as core markup: bold,
    italic, code, links and mentions of people by id are kept, everything else is the
    words as typed. A style inside another one keeps the outer one only."""
    units = text.encode("utf-16-le")

    def cut(start: int, end: int) -> str:
        return units[start * 2 : end * 2].decode("utf-16-le", errors="replace")

    out: list[str] = []
    pos = 0
    for e in sorted(entities or [], key=lambda e: (e.offset, -e.length)):
        if e.offset < pos or e.length <= 0:
            continue
        out.append(typed(cut(pos, e.offset)))
        inner = cut(e.offset, e.offset + e.length)
        if e.type in _STYLES:
            out.append(styled(_STYLES[e.type], inner))  # type: ignore[arg-type]
        elif e.type == "text_link" and e.url:
            out.append(linked(inner, e.url))
        elif e.type == "text_mention" and e.user is not None:
            name = " ".join(p for p in (e.user.first_name, e.user.last_name) if p)
            out.append(platform_mention("telegram", "telegram", str(e.user.id), name))
        else:
            out.append(typed(inner))
        pos = e.offset + e.length
    out.append(typed(cut(pos, len(units) // 2)))
    return "".join(out)


def markup_in(msg: Message) -> str:
    """The text (or caption) of a message as core markup."""
    if msg.text is not None:
        return markup_of(msg.text, msg.entities)
    return markup_of(msg.caption or "", msg.caption_entities)


async def upload_of(bot: Bot, msg: Message) -> Upload | None:
    """The photo or document of a message, downloaded (None: none, or too big to fetch)."""
    if msg.photo:
        p = msg.photo[-1]
        file_id, name, mime, size = p.file_id, "photo.jpg", "image/jpeg", p.file_size or 0
    elif msg.voice is not None:
        v = msg.voice
        file_id, name, size = v.file_id, "voice.ogg", v.file_size or 0
        mime = v.mime_type or "audio/ogg"
    elif msg.audio is not None:
        a = msg.audio
        file_id, size = a.file_id, a.file_size or 0
        name, mime = a.file_name or "audio", a.mime_type or "audio/mpeg"
    elif msg.document is not None:
        d = msg.document
        file_id, size = d.file_id, d.file_size or 0
        name, mime = d.file_name or "file", d.mime_type or "application/octet-stream"
    else:
        return None
    if size > DOWNLOAD_MAX:
        return None
    try:
        data = await bot.download(file_id)
    except (TelegramAPIError, OSError) as exc:
        log.warning("telegram file %s could not be fetched: %s", file_id, exc)
        return None
    if data is None:
        return None
    return Upload(name, mime, data.read())


async def relay_in(core: CoreApp, bot: Bot, msg: Message) -> bool:
    """A person's message in a group: relayed when the group is linked to a community."""
    user = msg.from_user
    if user is None or user.is_bot:
        return False
    chat = chat_ref(msg)
    if not await core.is_linked(chat):
        return False
    text = msg.text if msg.text is not None else (msg.caption or "")
    upload = await upload_of(bot, msg)
    if not text.strip() and upload is None:
        return False  # a sticker, a join, a pin: nothing to relay
    name = " ".join(p for p in (user.first_name, user.last_name) if p)
    actor = Actor("telegram", "telegram", str(user.id), name or user.username or "Someone")
    return await core.relay_said(
        actor,
        chat,
        str(msg.message_id),
        markup_in(msg),
        reply_to=replied_to(msg),
        upload=upload,
        markup=True,
    )


_TAG = re.compile(r"(<[^>]*>)")
_AT_WORD = re.compile(r"(?<![\w.])@(?=\w)")


def mentioning(html: str) -> str:
    """Members core left mentioned (with a Telegram account) as a mention by id, which
    notifies them (the name is escaped already). Any other @word in the copy (a name, a
    role, what someone typed) gets a word joiner after its @: Telegram would read it as a
    username and notify whoever has it."""
    parts = _TAG.split(html)
    for i in range(0, len(parts), 2):  # the text between tags
        parts[i] = _AT_WORD.sub("@\u2060", parts[i])

    def one(who: str, name: str) -> str:
        if who.isdigit() and len(who) <= 20:
            return f'<a href="tg://user?id={who}">{name}</a>'
        return "@\u2060" + name

    return replace_mentions("".join(parts), one)


async def dm_in(core: CoreApp, bot: Bot, msg: Message, actor: Actor) -> bool:
    """A message in a person's private chat with the bot that belongs to a direct-message
    thread (a reply to a relayed message, or typed in the "✉️ to …" mode): sent there, and
    True. False: it is for the bot's dialogs."""
    text = msg.text if msg.text is not None else (msg.caption or "")
    thread = await core.dm_target(actor, replied_to(msg), text)
    if thread is None:
        return False
    upload = await upload_of(bot, msg)
    if not text.strip() and upload is None:
        return False  # a sticker: nothing to send
    refused = await core.dm_said(
        actor, thread, str(msg.message_id), text, reply_to=replied_to(msg), upload=upload
    )
    if refused:
        await bot(SendMessage(chat_id=msg.chat.id, text=_text(refused)))
    return True


# Audio that arrives as a voice note: a Telegram or Discord voice message (OGG/Opus), a web
# recording (WebM/Opus), a Slack or phone clip (m4a, "audio/mp4" by content).
VOICE_TYPES = ("audio/ogg", "audio/webm", "audio/opus", "audio/mp4")


class TelegramRelay:
    """Posts community copies in linked Telegram groups (a core Bridge)."""

    platform = "telegram"

    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def _call(self, method: TelegramMethod[Any]) -> Any:
        try:
            return await self.bot(method)
        except TelegramRetryAfter as exc:
            raise RelayRetry(float(exc.retry_after), "429 Too Many Requests") from exc
        except TelegramForbiddenError as exc:
            raise RelayGone(str(exc)) from exc
        except (TelegramNetworkError, TelegramServerError) as exc:
            raise RelayRetry(5.0, str(exc)) from exc
        except (TelegramBadRequest, TelegramNotFound) as exc:
            words = str(exc).casefold()
            if "chat not found" in words or "not enough rights" in words:
                raise RelayGone(str(exc)) from exc
            if "message to" in words and "not found" in words:
                raise MessageGone(str(exc)) from exc
            if "message can't be" in words:
                raise MessageGone(str(exc)) from exc  # e.g. older than 48 hours
            raise

    async def post(self, chat: ChatRef, out: RelayOut) -> str:
        chat_id = int(chat.chat_id)
        thread = int(chat.thread_id) if chat.thread_id else None
        reply = (
            ReplyParameters(message_id=int(out.reply_to), allow_sending_without_reply=True)
            if out.reply_to
            else None
        )
        parts = [
            OutText(mentioning(o.html), o.keyboard)
            for o in render(out.reply)
            if isinstance(o, OutText)
        ]
        html = "\n".join(p.html for p in parts)
        # An announcement's buttons ("Book this mentor", office-hours slots).
        markup = next((p.keyboard for p in parts if p.keyboard is not None), None)
        f = out.file
        if f is not None and f.mime in VOICE_TYPES and len(html) <= CAPTION_MAX:
            # A voice note plays as one: OGG/Opus (a web recording is webm: transcoded).
            voice = f.data if is_ogg_opus(f.data) else await to_ogg_opus(f.data)
            if voice is not None and len(voice) <= UPLOAD_MAX:
                sent = await self._call(
                    SendVoice(
                        chat_id=chat_id, voice=BufferedInputFile(voice, "voice.ogg"),
                        caption=html or None, parse_mode="HTML", reply_parameters=reply,
                        message_thread_id=thread,
                    )
                )  # fmt: skip
                return str(sent.message_id)
        if f is not None:
            fits = len(f.data) <= (PHOTO_MAX if f.mime in PHOTO_TYPES else UPLOAD_MAX)
            if fits and len(html) <= CAPTION_MAX:
                upload = BufferedInputFile(f.data, f.name)
                method: TelegramMethod[Any]
                if f.mime in PHOTO_TYPES:
                    method = SendPhoto(
                        chat_id=chat_id, photo=upload, caption=html, parse_mode="HTML",
                        reply_parameters=reply, message_thread_id=thread,
                    )  # fmt: skip
                else:
                    method = SendDocument(
                        chat_id=chat_id, document=upload, caption=html, parse_mode="HTML",
                        reply_parameters=reply, message_thread_id=thread,
                    )  # fmt: skip
                sent = await self._call(method)
                return str(sent.message_id)
            link = f'📎 <a href="{_attr(f.url)}">{_text(f.name)}</a>'
            texts = [p.html for p in parts] + [link]
        else:
            texts = [p.html for p in parts]
        # A long message arrives in parts (split, never cut); the first stands for the copy.
        first = None
        for text in texts:
            sent = await self._call(
                SendMessage(
                    chat_id=chat_id,
                    text=text,
                    parse_mode="HTML",
                    link_preview_options=_NO_PREVIEW,
                    reply_parameters=reply if first is None else None,
                    message_thread_id=thread,
                    # The buttons (a post's Book) go on the last part.
                    reply_markup=markup if text is texts[-1] else None,
                )
            )
            first = first or str(sent.message_id)
        assert first is not None
        return first

    async def edit(self, chat: ChatRef, message_id: str, out: RelayOut) -> None:
        # The copy's first part is edited (a copy posted in parts keeps the others as they
        # were); the buttons stay.
        parts = [p for p in render(out.reply) if isinstance(p, OutText)]
        html = mentioning(parts[0].html)
        markup = next((p.keyboard for p in parts if p.keyboard is not None), None)
        chat_id, mid = int(chat.chat_id), int(message_id)
        try:
            await self._call(
                EditMessageText(
                    chat_id=chat_id,
                    message_id=mid,
                    text=html,
                    parse_mode="HTML",
                    link_preview_options=_NO_PREVIEW,
                    reply_markup=markup,  # an edit without it would drop the buttons
                )
            )
        except TelegramBadRequest as exc:
            words = str(exc).casefold()
            if "not modified" in words:
                return
            if "no text in the message" not in words:
                raise
            # A photo or file: its caption is the text.
            await self._call(
                EditMessageCaption(
                    chat_id=chat_id, message_id=mid, caption=html[:CAPTION_MAX], parse_mode="HTML"
                )
            )

    async def delete(self, chat: ChatRef, message_id: str) -> None:
        await self._call(DeleteMessage(chat_id=int(chat.chat_id), message_id=int(message_id)))


def _text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _attr(s: str) -> str:
    return _text(s).replace('"', "&quot;")
