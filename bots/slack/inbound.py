"""Slack request bodies -> what core understands. Pure: no I/O, no bolt, never raises.

Every body Slack can send (events, slash commands, block actions, shortcuts, view
submissions) maps to one of the dataclasses below, or to `Ignored` with the reason: the
documented refusal for a body that is valid but asks nothing of MentorBot (a bot's own
message, an event nobody subscribed to) or that is malformed (wrong types, missing ids).
Fields are read with their types checked, so a list where a dict belongs is `Ignored`,
not an exception.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from bots.slack.render import ACTION_PREFIX
from core.commands import help_text, subcommand_words
from core.forms import FormRef
from core.messaging import ActionIn, CommandIn, Delivered, FileIn, Inbound, Reply, parse_text
from core.payloads import MAX_CHARS

# Events acted on (the manifest subscribes to exactly these; every other one is acked).
MESSAGE_IM = "message"  # subscribed as message.im
APP_HOME_OPENED = "app_home_opened"
APP_MENTION = "app_mention"
APP_UNINSTALLED = "app_uninstalled"
TOKENS_REVOKED = "tokens_revoked"
REACTION_ADDED = "reaction_added"  # 🚩 / 🗑️ on a message in a community-linked channel
HANDLED_EVENTS = (
    MESSAGE_IM, APP_HOME_OPENED, APP_MENTION, APP_UNINSTALLED, TOKENS_REVOKED, REACTION_ADDED
)  # fmt: skip
# Shortcuts (callback ids) and the find modal opened by them.
FIND_SHORTCUT = "find_mentor"
ASK_SHORTCUT = "ask_mentor"
FIND_VIEW = "mbfind"
FIND_BLOCK = "query"
VALUE = "v"  # the action_id of every input element of our modals

MAX_TEAM = 64  # the width of accounts.workspace
MAX_USER = 128
MAX_NAME = 100
MAX_EVENT_ID = 128
MAX_TEXT_IN = 4000  # a longer DM is cut here; core refuses over-long text in words
MAX_QUERY = 500  # what a message shortcut carries into the find modal
SLACK_FORMS = "In Slack, `/mentor apply` and `/mentor profile edit` open a form."
SUBCOMMANDS: dict[str, str] = {"": "menu", **subcommand_words()}


@dataclass(frozen=True)
class Who:
    team: str
    user: str
    name: str = ""  # "" when the body doesn't say (events): looked up with users.info


@dataclass(frozen=True)
class Ignored:
    """Acked and nothing else: why, for the log."""

    reason: str


@dataclass(frozen=True)
class Said:
    """Something for core.handle: typed in the DM, a /mentor command, a button, a mention."""

    who: Who
    inbound: Inbound
    once: Delivered | None = None  # events: Slack's event_id, acted on once
    trigger_id: str = ""  # lets a command or button open a modal instead
    in_dm: bool = True  # a command typed elsewhere is acked there and answered in the DM
    thread: tuple[str, str] | None = None  # (channel, ts): answer in that thread (mentions)
    channel: str = ""  # where a command was typed (community link/unlink act on it)


@dataclass(frozen=True)
class Answer:
    """Answered without core: `/mentor <unknown word>`."""

    who: Who
    reply: Reply
    in_dm: bool = True


@dataclass(frozen=True)
class Pressed:
    """A button or select of one of our messages, and where that message is."""

    said: Said
    label: str
    channel: str = ""
    message: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class OpenHome:
    who: Who


@dataclass(frozen=True)
class Gone:
    """The app was uninstalled from a workspace, or its bot token revoked."""

    team: str


@dataclass(frozen=True)
class FindModal:
    """A shortcut: open the find modal (pre-filled with a message's text)."""

    who: Who
    trigger_id: str
    query: str = ""


@dataclass(frozen=True)
class FormSubmitted:
    who: Who
    form: str
    values: dict[str, str | list[str] | None]
    once: Delivered | None = None


@dataclass(frozen=True)
class FindSubmitted:
    who: Who
    query: str


Translated: TypeAlias = (
    Said | Answer | Pressed | OpenHome | Gone | FindModal | FormSubmitted | FindSubmitted | Ignored
)

# ---- typed reads -------------------------------------------------------------


def _dict(obj: object, key: str) -> dict[str, Any]:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value if isinstance(value, dict) else {}


def _str(obj: object, key: str, limit: int = MAX_CHARS) -> str:
    value = obj.get(key) if isinstance(obj, dict) else None
    return value[:limit] if isinstance(value, str) else ""


def _once(team: str, body: object) -> Delivered | None:
    event_id = _str(body, "event_id", MAX_EVENT_ID)
    return Delivered(f"slack:{team}"[:32], event_id) if event_id else None


def _interaction_who(body: object) -> Who | None:
    """user and team of an interactivity payload (block_actions, shortcut, view_*)."""
    user = _dict(body, "user")
    team = _str(user, "team_id", MAX_TEAM) or _str(_dict(body, "team"), "id", MAX_TEAM)
    user_id = _str(user, "id", MAX_USER)
    if not team or not user_id:
        return None
    name = _str(user, "name", MAX_NAME) or _str(user, "username", MAX_NAME)
    return Who(team, user_id, name)


def event_team(body: object) -> str:
    return _str(body, "team_id", MAX_TEAM) or _str(_dict(body, "event"), "team", MAX_TEAM)


# ---- slash commands ----------------------------------------------------------


def parse_subcommand(text: str) -> CommandIn | Reply:
    """The text after `/mentor`: a core command, or an answer given right away."""
    head, _, rest = text.strip().partition(" ")
    name = SUBCOMMANDS.get(head.casefold())
    if name is None:
        return Reply(f"I don't know `/mentor {head}`.\n" + help_text("slack", admin=False))
    return CommandIn(name=name, args=rest.strip())


def from_command(body: object) -> Said | Answer | Ignored:
    team = _str(body, "team_id", MAX_TEAM)
    user = _str(body, "user_id", MAX_USER)
    if not team or not user:
        return Ignored("command without team_id or user_id")
    who = Who(team, user, _str(body, "user_name", MAX_NAME))
    in_dm = _str(body, "channel_id").startswith("D")
    parsed = parse_subcommand(_str(body, "text", MAX_TEXT_IN))
    if isinstance(parsed, Reply):
        return Answer(who, parsed, in_dm)
    channel = _str(body, "channel_id", 64)
    return Said(who, parsed, trigger_id=_str(body, "trigger_id"), in_dm=in_dm, channel=channel)


# ---- events ------------------------------------------------------------------

_ENTITY = re.compile(r"<[^<>]*>")


def plain_query(text: str) -> str:
    """Slack's mrkdwn as typed words: mentions and links dropped (a link keeps its label)."""

    def label(m: re.Match[str]) -> str:
        inner = m.group(0)[1:-1]
        if inner.startswith(("@", "#", "!")):
            return " "
        return inner.partition("|")[2] or inner

    return " ".join(html.unescape(_ENTITY.sub(label, text)).split())


def mention_inbound(text: str) -> CommandIn:
    """ "@MentorBot react hooks" is a find; "@MentorBot" or "@MentorBot help" is help."""
    words = plain_query(text)
    head, _, rest = words.partition(" ")
    if head.casefold() in ("", "help", "h"):
        return CommandIn("help")
    if head.casefold() in ("find", "search"):
        return CommandIn("find", rest.strip()[:MAX_QUERY]) if rest.strip() else CommandIn("help")
    return CommandIn("find", words[:MAX_QUERY])


FILE_INFO_REF = "files.info:"


def dm_file(event: Mapping[str, Any]) -> FileIn | None:
    """The first file of a file_share message (its bytes are fetched by the bot)."""
    files = event.get("files")
    first = files[0] if isinstance(files, list) and files else None
    if not isinstance(first, dict):
        return None
    url = _str(first, "url_private_download", 2000) or _str(first, "url_private", 2000)
    size = first.get("size")
    if not url and _str(first, "file_access") == "check_file_info" and _str(first, "id", 32):
        # Only the id: files.info says the rest (FILE_INFO_REF marks it for the bot).
        return FileIn("file", "", 0, FILE_INFO_REF + _str(first, "id", 32))
    if not url or not isinstance(size, int) or isinstance(size, bool) or size < 0:
        return None
    name = _str(first, "name", 255) or "file"
    return FileIn(name, _str(first, "mimetype", 100), size, url)


def from_event(body: object) -> Said | OpenHome | Gone | Ignored:
    """An event_callback (Events API)."""
    event = _dict(body, "event")
    kind = _str(event, "type")
    team = event_team(body)
    if not team:
        return Ignored("event without team_id")
    if kind in (APP_UNINSTALLED, TOKENS_REVOKED):
        if kind == TOKENS_REVOKED:
            bots = _dict(event, "tokens").get("bot")
            if not isinstance(bots, list) or not bots:
                return Ignored("only user tokens were revoked")
        return Gone(team)
    shared = dm_file(event) if event.get("subtype") == "file_share" else None
    if event.get("bot_id") or (event.get("subtype") and shared is None):
        return Ignored("a bot's message or a message change")
    user = _str(event, "user", MAX_USER)
    if not user:
        return Ignored(f"{kind or 'event'} without a user")
    who = Who(team, user)
    if kind == APP_HOME_OPENED:
        return OpenHome(who) if _str(event, "tab") == "home" else Ignored("messages tab opened")
    if kind == MESSAGE_IM:
        if _str(event, "channel_type") != "im":
            return Ignored("a message outside the app's DM")
        if shared is not None:  # a photo for the profile: the bot fetches it (url_private)
            return Said(who, shared, once=_once(team, body))
        text = _str(event, "text", MAX_TEXT_IN)
        if not text.strip():
            return Ignored("a message without text")
        return Said(who, parse_text(text), once=_once(team, body))
    if kind == APP_MENTION:
        channel, ts = _str(event, "channel"), _str(event, "ts")
        if not channel or not ts:
            return Ignored("a mention without channel or ts")
        thread = (channel, _str(event, "thread_ts") or ts)
        inbound = mention_inbound(_str(event, "text", MAX_TEXT_IN))
        return Said(who, inbound, once=_once(team, body), in_dm=False, thread=thread)
    return Ignored(f"event {kind!r} is not one MentorBot acts on")


# ---- interactivity -----------------------------------------------------------


def from_action(body: object) -> Pressed | Ignored:
    """block_actions on one of our buttons or selects (action_id mb:N)."""
    actions = body.get("actions") if isinstance(body, dict) else None
    action = actions[0] if isinstance(actions, list) and actions else None
    if not isinstance(action, dict):
        return Ignored("block_actions without an action")
    if not _str(action, "action_id").startswith(f"{ACTION_PREFIX}:"):
        return Ignored("an action that isn't one of MentorBot's buttons")
    payload = action.get("value")
    label = _str(_dict(action, "text"), "text", 200)
    option = _dict(action, "selected_option")
    if payload is None and option:
        payload = option.get("value")
        label = _str(_dict(option, "text"), "text", 200)
    if not isinstance(payload, str) or not payload or len(payload) > MAX_CHARS:
        return Ignored("an action without a payload")
    who = _interaction_who(body)
    if who is None:
        return Ignored("an action without user or team")
    channel = _str(_dict(body, "container"), "channel_id") or _str(_dict(body, "channel"), "id")
    said = Said(who, ActionIn(payload), trigger_id=_str(body, "trigger_id"))
    return Pressed(said, label, channel, _dict(body, "message"))


def from_shortcut(body: object) -> FindModal | Ignored:
    """A global shortcut (type shortcut) or a message shortcut (type message_action)."""
    who = _interaction_who(body)
    trigger = _str(body, "trigger_id")
    callback = _str(body, "callback_id")
    if who is None or not trigger:
        return Ignored("a shortcut without user, team or trigger_id")
    if callback == FIND_SHORTCUT:
        return FindModal(who, trigger)
    if callback == ASK_SHORTCUT:
        text = plain_query(_str(_dict(body, "message"), "text", MAX_TEXT_IN))
        return FindModal(who, trigger, text[:MAX_QUERY])
    return Ignored(f"shortcut {callback!r} is not MentorBot's")


def submitted_values(view: object) -> dict[str, str | list[str] | None]:
    """view.state.values of a view_submission -> {field key: text, or chosen values}."""
    out: dict[str, str | list[str] | None] = {}
    state = _dict(_dict(view, "state"), "values")
    for block_id, elements in state.items():
        el = _dict(elements, VALUE)
        kind = _str(el, "type")
        if kind == "plain_text_input":
            value = el.get("value")
            out[str(block_id)] = value if isinstance(value, str) else None
        elif kind == "static_select":
            value = _dict(el, "selected_option").get("value")
            out[str(block_id)] = value if isinstance(value, str) else None
        elif kind == "multi_static_select":
            opts = el.get("selected_options")
            opts = opts if isinstance(opts, list) else []
            out[str(block_id)] = [
                o["value"] for o in opts if isinstance(o, dict) and isinstance(o.get("value"), str)
            ]
    return out


def from_view(body: object) -> FormSubmitted | FindSubmitted | Ignored:
    """A view_submission of one of our modals (a core form, or the find modal)."""
    view = _dict(body, "view")
    who = _interaction_who(body)
    if who is None:
        return Ignored("a view submission without user or team")
    callback = _str(view, "callback_id")
    values = submitted_values(view)
    if callback == FIND_VIEW:
        query = values.get(FIND_BLOCK)
        return FindSubmitted(who, query.strip() if isinstance(query, str) else "")
    ref = FormRef.parse(callback)
    if ref is None:
        return Ignored(f"a view {callback[:40]!r} that isn't one of MentorBot's forms")
    view_id = _str(view, "id", 100)
    once = Delivered(f"slack:{who.team}"[:32], f"view:{view_id}") if view_id else None
    return FormSubmitted(who, ref.name, values, once)


def translate(body: object) -> Translated:
    """Any body bolt parsed from a request -> what MentorBot does with it (fuzzed)."""
    if not isinstance(body, dict):
        return Ignored("not an object")
    if isinstance(body.get("command"), str):
        return from_command(body)
    kind = body.get("type")
    if kind == "event_callback":
        return from_event(body)
    if kind == "block_actions":
        return from_action(body)
    if kind in ("shortcut", "message_action"):
        return from_shortcut(body)
    if kind == "view_submission":
        return from_view(body)
    return Ignored(f"{str(kind)[:40]!r} needs only an ack")


# ---- the shape bolt relies on -------------------------------------------------
# bolt reads these fields while it builds its request and matches listeners, indexing them
# without checking their types (slack_bolt.request.internals, listener_matcher.builtins):
# a signed body with a list where Slack sends a string would raise inside bolt (a 500).
_ID_OR_OBJECT = ("enterprise", "team", "user", "channel")  # a string or an object
_OBJECTS = (
    "event",
    "message",
    "previous_message",
    "item",
    "assistant_thread",
    "view",
    "container",
    "function_data",
    "workflow_step",
)
_STRINGS = (
    "type",
    "command",
    "callback_id",
    "action_id",
    "team_id",
    "user_id",
    "channel_id",
    "enterprise_id",
    "user_team",
    "context_team_id",
    "context_enterprise_id",
    "thread_ts",
    "response_url",
    "function_execution_id",
    "bot_access_token",
)
_MAX_DEPTH = 6


def _object_problem(obj: dict[str, Any], where: str, depth: int) -> str | None:
    if depth > _MAX_DEPTH:
        return None  # deeper than bolt reads
    for key in _STRINGS:
        if obj.get(key) is not None and not isinstance(obj[key], str):
            return f"{where}.{key} is not a string"
    for key in _ID_OR_OBJECT:
        if obj.get(key) is not None and not isinstance(obj[key], str | dict):
            return f"{where}.{key} is neither a string nor an object"
    for key in _OBJECTS:
        if key in obj and obj[key] is not None and not isinstance(obj[key], dict):
            return f"{where}.{key} is not an object"
    nested = [(k, obj[k]) for k in (*_OBJECTS, *_ID_OR_OBJECT) if isinstance(obj.get(k), dict)]
    for key in ("authorizations", "actions"):
        items = obj.get(key)
        if items is None:
            continue
        if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
            return f"{where}.{key} is not a list of objects"
        nested += [(f"{key}[{i}]", item) for i, item in enumerate(items[:1])]
    for key, child in nested:
        problem = _object_problem(child, f"{where}.{key}", depth + 1)
        if problem is not None:
            return problem
    return None


def shape_problem(body: object) -> str | None:
    """Why a signed body can't be a Slack payload (None: bolt may have it), for a 400."""
    if not isinstance(body, dict):
        return "the body is not an object"
    problem = _object_problem(body, "body", 0)
    if problem is not None:
        return problem
    kind = body.get("type")
    event = body.get("event")
    if kind == "event_callback" and not (isinstance(event, dict) and "type" in event):
        return "an event_callback without event.type"
    needs_callback = (
        "shortcut",
        "message_action",
        "interactive_message",
        "dialog_submission",
        "dialog_cancellation",
        "dialog_suggestion",
        "workflow_step_edit",
    )
    if kind in needs_callback and not isinstance(body.get("callback_id"), str):
        return f"a {kind} without callback_id"
    if kind in ("view_submission", "view_closed", "workflow_step_save"):
        view = body.get("view")
        if not isinstance(view, dict) or not isinstance(view.get("callback_id"), str):
            return f"a {kind} without view.callback_id"
    if kind in ("block_actions", "interactive_message"):
        actions = body.get("actions")
        if not actions:
            return f"{kind} without actions"
        if kind == "block_actions" and not isinstance(actions[0].get("action_id"), str):
            return "block_actions without actions[0].action_id"
    step_in = event if kind == "event_callback" and isinstance(event, dict) else body
    step_kind = step_in.get("type")
    steps = ("workflow_step_edit", "workflow_step_save", "workflow_step_execute")
    if step_kind in steps and not isinstance(step_in.get("workflow_step"), dict):
        return f"a {step_kind} without workflow_step"
    if kind == "block_suggestion" and not isinstance(body.get("action_id"), str):
        return "a block_suggestion without action_id"
    return None
