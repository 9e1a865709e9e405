"""Telegram updates -> the neutral model: who spoke, in which conversation, saying what."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiogram.types import (
    Chat,
    ChatMemberAdministrator,
    ChatMemberMember,
    ChatMemberOwner,
    ChatMemberRestricted,
    ChatMemberUpdated,
    Message,
    ResultChatMemberUnion,
    User,
)

from core.booking.payloads import Bk
from core.commands import menu_commands
from core.dialogs.find import Fm
from core.dialogs.menu import Menu
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
    parse_text,
)
from core.services.buttons import ViewProfile
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
_BOOK_LINK = re.compile(r"book_\d{1,12}")
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


def actor_of(user: User) -> Actor:
    name = user.full_name or user.username or f"user {user.id}"
    return Actor(PLATFORM, WORKSPACE, str(user.id), name[:100], (user.language_code or "en")[:8])


def key_of(chat: Chat | None, user: User) -> ConversationKey:
    if chat is None or chat.type == "private":
        return ConversationKey.private(actor_of(user))
    # In a group each person has their own conversation, so two people's steps never mix.
    return ConversationKey(PLATFORM, WORKSPACE, str(chat.id), str(user.id))


def is_group(chat: Chat) -> bool:
    return chat.type in ("group", "supergroup")


def deep_link(inbound: CommandIn) -> Inbound:
    """/start PAYLOAD from a t.me link: book_<mentor> opens the profile; link_<code> stays
    for core's /start (it runs the link dialog); a command word opens that command."""
    arg = inbound.args.strip()
    if inbound.name != "start" or not arg:
        return inbound
    if arg.startswith("book_") and arg[5:].isdigit():
        return ActionIn(ViewProfile(int(arg[5:])).pack())
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
    if cmd.name in GROUP_COMMANDS and (cmd.name != "find" or cmd.args):
        return Routed(actor_of(user), key_of(msg.chat, user), cmd)
    if cmd.name == "start":
        # A t.me link opened in a group (/start@bot book_7): carry it over to the DM. A
        # link code is never echoed back: it was just posted where others can read it.
        arg = cmd.args.strip()
        start = arg if _BOOK_LINK.fullmatch(arg) or arg in START_COMMANDS else "menu"
        return _to_private(user, bot_username, start)
    return _to_private(user, bot_username, cmd.name if cmd.name in START_COMMANDS else "menu")


def _to_private(user: User, bot_username: str, start: str) -> Redirect:
    url = f"https://t.me/{bot_username}?start={start}"
    return Redirect(
        Reply(
            f"Let's do that in a private chat, {esc(user.first_name)} — tap below.",
            buttons=((LinkButton("Continue in private chat", url),),),
        )
    )


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
    text = f"This button is for {who}. Send the command yourself to get your own."
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
