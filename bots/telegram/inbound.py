"""Telegram updates -> the neutral model: who spoke, in which conversation, saying what."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiogram import Bot
from aiogram.types import (
    CallbackQuery,
    Chat,
    ChatMemberAdministrator,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    ChatMemberUpdated,
    Message,
    ResultChatMemberUnion,
    Update,
    User,
)
from pydantic import ValidationError

from core.booking.payloads import Bk
from core.commands import menu_commands
from core.dialogs.find import Fm
from core.dialogs.menu import Menu
from core.dialogs.moderate import WORDS as MODERATION_WORDS
from core.dialogs.posts import Oh
from core.markup import esc
from core.messaging import (
    ActionIn,
    Actor,
    CommandIn,
    ConversationKey,
    FileIn,
    Inbound,
    LinkButton,
    Platform,
    Reply,
    TextIn,
    clean_text,
    parse_text,
)
from core.numbers import as_int
from core.ports import ChatRef
from core.services.buttons import HelpfulPost, ViewProfile
from core.services.places import Place

PLATFORM: Platform = "telegram"
WORKSPACE = "telegram"
MAX_TEXT = 4000
# Deep-link words that simply open a command: t.me/bot?start=find
START_COMMANDS = frozenset({"find", "profile", "mentor", "link", "menu", "help", "admin"})
# Commands a group may run in place; everything else is personal and moves to a DM.
GROUP_COMMANDS = frozenset(c.name for c in menu_commands(groups=True))
# Buttons a group may press in place: the search (paging, sorting, why) and profiles.
GROUP_ACTIONS = frozenset({Fm.prefix, ViewProfile.prefix})
ALERT_MAX = 200  # answerCallbackQuery text
# Stored as text, so not held to the database's INTEGER; refusing a real update would make
# Telegram retry it forever, so the bound is far above any id Telegram hands out.
MAX_UPDATE_ID = 2**63 - 1
_BOOK_LINK = re.compile(r"book_\d{1,12}")
_HOURS_LINK = re.compile(r"hours_(\d{1,10})_(\d{1,10})_(\d{1,4})")
_COMMAND_HEAD = re.compile(r"^/([A-Za-z0-9_]+)(?:@([A-Za-z0-9_]+))?(?:\s|$)")


@dataclass(frozen=True)
class Routed:
    actor: Actor
    key: ConversationKey
    inbound: Inbound


@dataclass(frozen=True)
class Redirect:
    """A group asked for something personal: answer in the group with a button to the DM."""

    reply: Reply


@dataclass(frozen=True)
class NotAnUpdate:
    """A webhook body that is no Telegram update at all (no update_id): answered 400."""

    why: str


@dataclass(frozen=True)
class Unreadable:
    """It has an update_id, but aiogram can't read the rest (a Bot API newer or older than
    aiogram's, or garbage): acknowledged, so Telegram doesn't retry it, and ignored."""

    update_id: int
    why: str


@dataclass(frozen=True)
class Toast:
    """A press on a community announcement that acts in place ("👍 Helpful"): core answers it
    in the presser's own conversation, and the answer pops up over the group instead of
    being posted to everyone."""

    routed: Routed


@dataclass(frozen=True)
class NotYours:
    """A button in a group pressed by someone it wasn't for: an alert, nothing else."""

    alert: str


def read_update(raw: object, bot: Bot | None = None) -> Update | NotAnUpdate | Unreadable:
    """A parsed JSON body as an Update (bound to `bot` for its shortcuts), or why not."""
    if not isinstance(raw, dict):
        return NotAnUpdate("not a JSON object")
    uid = raw.get("update_id")
    if not isinstance(uid, int) or isinstance(uid, bool) or not 0 <= uid <= MAX_UPDATE_ID:
        return NotAnUpdate("no update_id")
    try:
        return Update.model_validate(raw, context={"bot": bot} if bot is not None else None)
    except (ValidationError, ValueError, TypeError, RecursionError) as exc:
        return Unreadable(uid, type(exc).__name__)


def actor_of(user: User) -> Actor:
    # Names and language codes are stored as they come: no lone surrogates or controls.
    name = clean_text(user.full_name or user.username or "") or f"user {user.id}"
    locale = clean_text(user.language_code or "")[:8] or "en"
    return Actor(PLATFORM, WORKSPACE, str(user.id), name[:100], locale)


def topic_of(msg: Message | None) -> int | None:
    """The forum topic a message is in (None: not a forum, or its General topic)."""
    if msg is None or not msg.is_topic_message:
        return None
    return msg.message_thread_id


def key_of(chat: Chat | None, user: User, topic: int | None = None) -> ConversationKey:
    if chat is None or chat.type == "private":
        return ConversationKey.private(actor_of(user))
    # In a group each person has their own conversation, so two people's steps never mix;
    # in a forum topic the group's commands act on the topic (core reads it from the key).
    where = ChatRef(PLATFORM, WORKSPACE, str(chat.id), str(topic) if topic else "")
    return ConversationKey(PLATFORM, WORKSPACE, where.key_chat_id(), str(user.id))


def is_group(chat: Chat) -> bool:
    return chat.type in ("group", "supergroup")


def deep_link(inbound: CommandIn) -> Inbound:
    """/start PAYLOAD from a t.me link: book_<mentor> opens the profile; link_<code> stays
    for core's /start (it runs the link dialog); a command word opens that command."""
    arg = inbound.args.strip()
    if inbound.name != "start" or not arg:
        return inbound
    mentor = as_int(arg[5:]) if arg.startswith("book_") else None
    if mentor is not None:
        return ActionIn(ViewProfile(mentor).pack())
    hours = _HOURS_LINK.fullmatch(arg)
    if hours is not None:
        mentor, at, length = (int(g) for g in hours.groups())
        return ActionIn(Oh(mentor, at, length).pack())
    if arg in START_COMMANDS:
        return CommandIn(arg)
    return inbound


def content_of(msg: Message) -> Inbound | None:
    if msg.text is not None:
        return parse_text(msg.text[:MAX_TEXT])
    if msg.document is not None:
        d = msg.document
        return FileIn(
            d.file_name or "document",
            d.mime_type or "application/octet-stream",
            d.file_size or 0,
            d.file_id,
        )
    if msg.photo:
        biggest = msg.photo[-1]
        return FileIn("photo.jpg", "image/jpeg", biggest.file_size or 0, biggest.file_id)
    if msg.caption is not None:
        return parse_text(msg.caption[:MAX_TEXT])
    return None  # stickers, joins, pins...: nothing a dialog can use


def translate_message(msg: Message, bot_username: str) -> Routed | Redirect | None:
    user = msg.from_user
    if user is None or user.is_bot:
        return None
    if msg.chat.type == "private":
        inbound = content_of(msg)
        if inbound is None:
            inbound = TextIn("")  # core answers with the current question or the menu
        if isinstance(inbound, CommandIn):
            inbound = deep_link(inbound)
        return Routed(actor_of(user), key_of(msg.chat, user), inbound)
    if not is_group(msg.chat) or msg.text is None:
        return None
    m = _COMMAND_HEAD.match(msg.text)
    if m is None:
        return None  # groups talk among themselves; only commands are for us
    addressed_to = m.group(2)
    if addressed_to is not None and addressed_to.casefold() != bot_username.casefold():
        return None  # /find@SomeOtherBot
    cmd = parse_text(msg.text[:MAX_TEXT])
    if not isinstance(cmd, CommandIn):
        return None
    if cmd.name in GROUP_COMMANDS and _runs_here(cmd):
        return Routed(actor_of(user), key_of(msg.chat, user, topic_of(msg)), _about_reply(cmd, msg))
    if cmd.name == "start":
        # A t.me link opened in a group (/start@bot book_7): carry it over to the DM. A
        # link code is never echoed back: it was just posted where others can read it.
        arg = cmd.args.strip()
        start = arg if _BOOK_LINK.fullmatch(arg) or arg in START_COMMANDS else "menu"
        return _to_private(user, bot_username, start)
    return _to_private(user, bot_username, cmd.name if cmd.name in START_COMMANDS else "menu")


def _runs_here(cmd: CommandIn) -> bool:
    """A bare /find asks what to find: a DM question. Of /community only linking the group
    itself happens in the group; browsing, joining, creating are personal."""
    if cmd.name == "find":
        return bool(cmd.args)
    if cmd.name == "community":
        return cmd.args.split(" ", 1)[0].casefold() in IN_GROUP_COMMUNITY
    return True


# /community words that act on the group itself or on its messages.
IN_GROUP_COMMUNITY = frozenset({"link", "unlink"}) | MODERATION_WORDS
# Those that take a message: replying to it with the command names it.
ON_A_MESSAGE = frozenset({"report", "delete", "ban", "mute"})


def _about_reply(cmd: CommandIn, msg: Message) -> CommandIn:
    """`/community delete` sent as a reply names the replied-to message (msg:<id>)."""
    verb, _, rest = cmd.args.partition(" ")
    parent = msg.reply_to_message
    if cmd.name != "community" or verb.casefold() not in ON_A_MESSAGE or parent is None:
        return cmd
    if msg.is_topic_message and parent.message_id == msg.message_thread_id:
        return cmd  # a forum topic's first message, not a reply
    return CommandIn(cmd.name, f"{verb} msg:{parent.message_id} {rest}".strip())


def _to_private(user: User, bot_username: str, start: str) -> Redirect:
    url = f"https://t.me/{bot_username}?start={start}"
    return Redirect(
        Reply(
            f"Let's do that in a private chat, {esc(clean_text(user.first_name))} — tap below.",
            buttons=((LinkButton("Continue in private chat", url),),),
        )
    )


def translate_press(
    cq: CallbackQuery, bot_username: str
) -> Routed | Redirect | Toast | NotYours | None:
    """A button press. In a group a keyboard belongs to whoever asked for it (owner_of), and
    only the search runs there; None: nothing to do beyond stopping the spinner."""
    msg = cq.message if isinstance(cq.message, Message) else None
    if cq.message is not None and is_group(cq.message.chat):
        owner = owner_of(msg) if msg is not None else None
        if owner is None and cq.data:
            # A community announcement (a bridge copy, nobody's keyboard): its buttons are
            # for everyone and open in each presser's DM.
            public = announcement_action(cq.data, cq.from_user, bot_username)
            if public is not None:
                return public
            if HelpfulPost.parse(cq.data) is not None:
                private = ConversationKey.private(actor_of(cq.from_user))
                return Toast(Routed(actor_of(cq.from_user), private, ActionIn(cq.data)))
        if owner is None or owner.id != cq.from_user.id:
            return NotYours(not_yours(owner))
        redirect = group_action(cq.data, cq.from_user, bot_username) if cq.data else None
        if redirect is not None:
            return redirect
    if not cq.data:
        return None
    key = key_of(msg.chat if msg is not None else None, cq.from_user, topic_of(msg))
    return Routed(actor_of(cq.from_user), key, ActionIn(cq.data))


def announcement_action(payload: str, user: User, bot_username: str) -> Redirect | None:
    """ "Book this mentor" and office-hours slots on a community announcement."""
    book = Bk.parse(payload)
    if book is not None and book.what == "book":
        return _to_private(user, bot_username, f"book_{book.ref}")
    slot = Oh.parse(payload)
    if slot is not None:
        return _to_private(user, bot_username, f"hours_{slot.mentor}_{slot.at}_{slot.length}")
    return None


def group_action(payload: str, user: User, bot_username: str) -> Redirect | None:
    """A button pressed in a group: the search runs in place (None); anything personal
    (booking, the menu's dialogs) moves to the DM, opened at the same place."""
    prefix = payload.split(":", 1)[0]
    if prefix in GROUP_ACTIONS:
        return None
    book = Bk.parse(payload)
    if book is not None and book.what == "book":
        return _to_private(user, bot_username, f"book_{book.ref}")
    item = Menu.parse(payload)
    if item is not None and item.item in START_COMMANDS:
        return _to_private(user, bot_username, item.item)
    return _to_private(user, bot_username, "menu")


def owner_of(msg: Message) -> User | None:
    """Whose is a keyboard the bot posted in a group? The bot's answers there reply to the
    message that asked (see TelegramBot.send), so the owner travels with the message
    itself: nothing to store, and it survives restarts and other workers."""
    asked = msg.reply_to_message
    if asked is None or asked.from_user is None or asked.from_user.is_bot:
        return None
    return asked.from_user


def not_yours(owner: User | None) -> str:
    """The alert for someone pressing a button that isn't theirs."""
    if owner is None:
        return "This button has expired. Send the command again to get your own."
    who = f"@{owner.username}" if owner.username else owner.full_name or "someone else"
    text = clean_text(f"This button is for {who}. Send the command yourself to get your own.")
    return text[:ALERT_MAX]


@dataclass(frozen=True)
class BotJoined:
    """The bot was added to a group (or let back in)."""

    place: Place


@dataclass(frozen=True)
class BotLeft:
    """The bot was removed from a group, kicked out, or the group was deleted."""

    place: Place


def _present(member: ResultChatMemberUnion) -> bool:
    if isinstance(member, ChatMemberOwner | ChatMemberAdministrator):
        return True
    if isinstance(member, ChatMemberRestricted):
        return member.is_member
    return isinstance(member, ChatMemberMember)  # the others: ChatMemberLeft, ChatMemberBanned


def membership_of(change: ChatMemberUpdated) -> BotJoined | BotLeft | None:
    """A my_chat_member update: the bot's own membership changed. Only entering or leaving a
    group matters; a promotion, or a private chat blocked or unblocked, is None."""
    if not is_group(change.chat):
        return None
    was, now = _present(change.old_chat_member), _present(change.new_chat_member)
    if was == now:
        return None
    place = Place(PLATFORM, WORKSPACE, str(change.chat.id), change.chat.title or "")
    return BotJoined(place) if now else BotLeft(place)
