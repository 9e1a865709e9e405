"""Message events in Slack channels -> what the community bridge relays. Pure: no I/O.

A linked channel's `message` events (subscribed as message.channels and message.groups)
are a person's message (plain, `thread_broadcast`, `file_share`), an edit
(`message_changed`) or a delete (`message_deleted`). Bots' messages, the app's own copies
among them, are never relayed, so nothing loops.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, TypeAlias

from bots.slack.inbound import MAX_TEXT_IN, MAX_USER, Ignored, Who, event_team
from core.markup import linked, platform_mention, strip_private, styled, typed

CHANNEL_TYPES = ("channel", "group")  # public and private channels (not DMs, not group DMs)
SAID_SUBTYPES = ("", "thread_broadcast", "file_share")
MAX_MENTIONS = 10  # people looked up per message; more are "@someone"


@dataclass(frozen=True)
class SharedFile:
    name: str
    mime: str
    size: int
    url: str  # url_private_download (or url_private): needs the bot token


@dataclass(frozen=True)
class ChannelSaid:
    who: Who
    channel: str
    ts: str
    text: str  # Slack mrkdwn as typed: mentions still <@U…>, see markup_text
    thread_ts: str = ""  # the thread's parent, when this is a reply in a thread
    file: SharedFile | None = None
    event_id: str = ""
    user_name: str = ""  # from the event's user_profile, when Slack sends it


@dataclass(frozen=True)
class ChannelEdited:
    team: str
    channel: str
    ts: str
    text: str
    event_id: str = ""


@dataclass(frozen=True)
class ChannelDeleted:
    team: str
    channel: str
    ts: str
    event_id: str = ""


@dataclass(frozen=True)
class Reacted:
    """A person's 🚩 (action "report") or 🗑️ ("delete") on a message in a channel."""

    who: Who
    channel: str
    ts: str
    action: str


ChannelEvent: TypeAlias = ChannelSaid | ChannelEdited | ChannelDeleted | Ignored

# Slack's names of the reactions the community bridge acts on (skin tones don't apply).
REACTION_ACTIONS = {"triangular_flag_on_post": "report", "wastebasket": "delete"}


def _s(obj: object, key: str, limit: int = 300) -> str:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value[:limit] if isinstance(value, str) else ""


def _d(obj: object, key: str) -> dict[str, Any]:
    value = obj.get(key) if isinstance(obj, Mapping) else None
    return value if isinstance(value, dict) else {}


def is_channel_message(body: object) -> bool:
    """A message event in a channel. Slack's own examples of message_changed and
    message_deleted leave channel_type out, so then the channel id says (C…, or G… for an
    old private channel); DMs (D…) keep going to the DM dialogs."""
    event = _d(body, "event")
    if _s(event, "type") != "message":
        return False
    kind = _s(event, "channel_type")
    if kind:
        return kind in CHANNEL_TYPES
    return _s(event, "channel").startswith(("C", "G"))


def _bot_user(body: object) -> str:
    """The app's own bot user in this workspace, as Slack says in the event's authorizations."""
    auths = body.get("authorizations") if isinstance(body, dict) else None
    if isinstance(auths, list) and auths and isinstance(auths[0], dict):
        return _s(auths[0], "user_id", MAX_USER)
    return ""


def _by_a_bot(message: Mapping[str, Any], bot_user: str) -> bool:
    return bool(
        message.get("bot_id")
        or _s(message, "subtype") == "bot_message"
        or (bot_user and _s(message, "user", MAX_USER) == bot_user)
    )


def _file(event: Mapping[str, Any]) -> SharedFile | None:
    files = event.get("files")
    first = files[0] if isinstance(files, list) and files else None
    if not isinstance(first, dict):
        return None
    url = _s(first, "url_private_download", 2000) or _s(first, "url_private", 2000)
    size = first.get("size")
    if not url or not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return None
    name = _s(first, "name", 255) or _s(first, "title", 255) or "file"
    mime = _s(first, "mimetype", 100) or "application/octet-stream"
    return SharedFile(name, mime, size, url)


def from_channel_event(body: object) -> ChannelEvent:
    """One event_callback whose event is a message in a channel."""
    event = _d(body, "event")
    team = event_team(body)
    channel = _s(event, "channel", 64)
    event_id = _s(body, "event_id", 128)
    if not team or not channel:
        return Ignored("a channel message without team or channel")
    bot_user = _bot_user(body)
    subtype = _s(event, "subtype")
    if subtype == "message_changed":
        message = _d(event, "message")
        ts = _s(message, "ts", 32)
        if not ts or _by_a_bot(message, bot_user):
            return Ignored("an edit of a bot's message (or without ts)")
        return ChannelEdited(team, channel, ts, _s(message, "text", MAX_TEXT_IN), event_id)
    if subtype == "message_deleted":
        ts = _s(event, "deleted_ts", 32)
        if not ts or _by_a_bot(_d(event, "previous_message"), bot_user):
            return Ignored("a bot's message deleted (or without deleted_ts)")
        return ChannelDeleted(team, channel, ts, event_id)
    if subtype not in SAID_SUBTYPES:
        return Ignored(f"message subtype {subtype!r} is not relayed")
    if _by_a_bot(event, bot_user):
        return Ignored("a bot's message")
    user, ts = _s(event, "user", MAX_USER), _s(event, "ts", 32)
    if not user or not ts:
        return Ignored("a channel message without user or ts")
    thread = _s(event, "thread_ts", 32)
    profile = _d(event, "user_profile")
    name = _s(profile, "display_name", 100) or _s(profile, "real_name", 100)
    text = _s(event, "text", MAX_TEXT_IN)
    file = _file(event) if subtype == "file_share" else None
    if not text.strip() and file is None:
        return Ignored("a channel message with nothing to relay")
    return ChannelSaid(
        Who(team, user),
        channel,
        ts,
        text,
        thread if thread and thread != ts else "",
        file,
        event_id,
        name,
    )


def is_dm_change(body: object) -> bool:
    """An edit or delete of a message in the app's DM (the direct-message threads follow
    it); DMs' other messages go to the DM dialogs."""
    event = _d(body, "event")
    in_dm = _s(event, "channel_type") == "im" or _s(event, "channel").startswith("D")
    changes = ("message_changed", "message_deleted")
    return _s(event, "type") == "message" and _s(event, "subtype") in changes and in_dm


def dm_change_author(body: object) -> str:
    """Who wrote the changed message (message_changed: the message; message_deleted: the
    previous message); message ts are unique within a channel only."""
    event = _d(body, "event")
    return _s(_d(event, "message"), "user", MAX_USER) or _s(
        _d(event, "previous_message"), "user", MAX_USER
    )


def from_reaction(body: object) -> Reacted | Ignored:
    """A reaction_added event (reactions:read): a 🚩 or 🗑️ a person put on a message in a
    public or private channel. Other reactions, files, DMs and the app's own are ignored."""
    event = _d(body, "event")
    item = _d(event, "item")
    team = event_team(body)
    action = REACTION_ACTIONS.get(_s(event, "reaction", 100))
    if action is None:
        return Ignored("a reaction the bridge doesn't act on")
    channel, ts = _s(item, "channel", 64), _s(item, "ts", 32)
    user = _s(event, "user", MAX_USER)
    if _s(item, "type") != "message" or not team or not user or not channel or not ts:
        return Ignored("a reaction not on a channel message (or without team, user, ts)")
    if not channel.startswith(("C", "G")):
        return Ignored("a reaction in a DM")
    if user == _bot_user(body):
        return Ignored("the app's own reaction")
    return Reacted(Who(team, user), channel, ts, action)


_ENTITY = re.compile(r"<([^<>]*)>")
_USER = re.compile(r"@([UW][A-Z0-9]{1,20})(?:\|([^>]*))?")
# Slack's special mentions: <!here>, <!channel>, <!everyone>, <!subteam^S1|@team>, <!date^…|x>
_WORDS = {"here": "@here", "channel": "@channel", "everyone": "@everyone"}


def mentioned(text: str) -> list[str]:
    """User ids mentioned as <@U…> (each once, at most MAX_MENTIONS)."""
    ids: list[str] = []
    for m in _ENTITY.finditer(text):
        um = _USER.fullmatch(m.group(1))
        if um is not None and um.group(1) not in ids:
            ids.append(um.group(1))
    return ids[:MAX_MENTIONS]


# Slack's mrkdwn styles (a marker opens after a non-word character and closes before one).
_STYLE = re.compile(
    r"(?<![\w`])`(?P<code>[^`\n]+)`(?!\w)"
    r"|(?<![\w*])\*(?P<bold>\S(?:[^*\n]*\S)?)\*(?![\w*])"
    r"|(?<![\w_])_(?P<italic>\S(?:[^_\n]*\S)?)_(?![\w_])"
    r"|(?<![\w~])~(?P<strike>\S(?:[^~\n]*\S)?)~(?![\w~])"
)
_HOLE = re.compile("\ue010([0-9]{1,4})\ue011")


def markup_text(text: str, names: Mapping[str, str], team: str) -> str:
    """Slack mrkdwn as core markup: *bold*, _italic_, `code` and <url|label> links kept,
    ~strike~ as its words, <@U…> a mention of that Slack account (shown as its name where
    it isn't a MentorBot member), <#C…|general> as #general, and <!channel>, <!here>,
    <!everyone> as words core makes inert. Everything typed stays escaped."""
    pieces: list[tuple[str, str]] = []  # (markup, its words inside a style)

    def hole(m: re.Match[str]) -> str:
        inner = m.group(1)
        um = _USER.fullmatch(inner)
        if um is not None:
            name = names.get(um.group(1)) or (um.group(2) or "").lstrip("@") or "someone"
            made = (platform_mention("slack", team, um.group(1), name), "@" + name)
        elif inner.startswith("#"):
            label = "#" + (html.unescape(inner.partition("|")[2]) or "channel")
            made = (typed(label), label)
        elif inner.startswith("!"):
            word, _, label = inner[1:].partition("|")
            words = _WORDS.get(word.split("^")[0]) or html.unescape(label) or word.split("^")[0]
            made = (typed(words), words)
        else:
            url, _, label = inner.partition("|")
            url, label = html.unescape(url), html.unescape(label)
            shown = label or url.removeprefix("mailto:")
            made = (linked(shown, url), shown)
        pieces.append(made)
        return f"\ue010{len(pieces) - 1}\ue011"

    holed = _ENTITY.sub(hole, strip_private(text).replace("\ue010", "").replace("\ue011", ""))

    def words(chunk: str) -> str:
        """Plain text with its holes as their words (inside a style)."""
        return _HOLE.sub(lambda m: pieces[int(m.group(1))][1], html.unescape(chunk))

    def plain(chunk: str) -> str:
        out, last = [], 0
        for m in _HOLE.finditer(chunk):
            out.append(typed(html.unescape(chunk[last : m.start()])))
            out.append(pieces[int(m.group(1))][0])
            last = m.end()
        out.append(typed(html.unescape(chunk[last:])))
        return "".join(out)

    out, last = [], 0
    for m in _STYLE.finditer(holed):
        out.append(plain(holed[last : m.start()]))
        kind = m.lastgroup or "strike"
        inner = m.group(kind)
        if kind == "strike":
            out.append(plain(inner))
        elif kind == "code":
            out.append(styled("code", words(inner)))
        else:
            out.append(styled("bold" if kind == "bold" else "italic", words(inner)))
        last = m.end()
    out.append(plain(holed[last:]))
    return "".join(out)
