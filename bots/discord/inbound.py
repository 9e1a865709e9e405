"""Discord interactions -> what the adapter does with them. Pure: no I/O, no discord.py objects.

`translate(kind, data)` takes an interaction's type and its `data` object exactly as
Discord sent them (any JSON: nothing is trusted) and returns one of the values below.
Every input maps to one of them; nothing raises. The documented refusals:

- `Refused(EXPIRED)`: a component or modal whose custom_id this bot never made, or one
  whose content is malformed (an old message, a forged payload).
- `Refused(<words>)`: an application command that isn't ours, or an option of the wrong
  type or name (`/mentor find` with an INTEGER query): told to the person, never to core.
- `Ignored`: interaction kinds with nothing to answer (PING is answered by Discord's gateway
  for gateway bots; unknown future kinds).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

from core.commands import GROUP_COMMAND, Command
from core.messaging import ActionIn, Asks, CommandIn, TextIn, parse_text

EXPIRED = "That button has expired — use `/mentor menu` to start again."
ADMIN_GROUP = f"{GROUP_COMMAND}-admin"
SETUP = "setup"
REPORT_MENU = "Report message"  # a message context-menu command (apps → Report message)
MESSAGE_COMMAND = 3  # an application command's type: right-click on a message

# Interaction types and the option / component types we read (discord.com/developers/docs).
APPLICATION_COMMAND, COMPONENT, AUTOCOMPLETE, MODAL_SUBMIT = 2, 3, 4, 5
SUB_COMMAND, STRING, CHANNEL, ROLE = 1, 3, 7, 8
BUTTON, STRING_SELECT, TEXT_INPUT, ACTION_ROW, LABEL = 2, 3, 4, 1, 18
TYPE_NAMES = {
    3: "text",
    4: "a whole number",
    5: "yes/no",
    6: "a user",
    7: "a channel",
    8: "a role",
    9: "a mention",
    10: "a number",
    11: "a file",
}

# custom_ids this bot makes (each at most 100 characters, Discord's limit):
BUTTON_PREFIX = "mb:"  # mb:<core payload>
SELECT_PREFIX = "mbs:"  # mbs:<n>; each option's value is a core payload
ANSWER_PREFIX = "mba:"  # mba:<max length>:<multiline 0|1>:<label> — opens the answer modal
QUESTION_PREFIX = "mbq:"  # the answer modal itself (same fields as its button)
FORM_PREFIX = "mbf:"  # mbf:<form>:<page> — a "Next" button, and each page's modal
PAYLOAD_TEMPLATE = r"mb:(?P<payload>[^\s]{1,97})"
SELECT_TEMPLATE = r"mbs:(?P<n>[0-9]{1,3})"
ANSWER_TEMPLATE = r"mba:(?P<max>[0-9]{1,4}):(?P<multi>[01]):(?P<label>.{1,45})"
FORM_TEMPLATE = r"mbf:(?P<form>[a-z_]{1,20}):(?P<page>[0-9]{1,2})"
MAX_PAYLOAD = 97
MAX_ANSWER = 4000  # a modal text input holds at most 4000 characters
_PAYLOAD = re.compile(PAYLOAD_TEMPLATE)
_SELECT = re.compile(SELECT_TEMPLATE)
_ANSWER = re.compile(ANSWER_TEMPLATE, re.DOTALL)
_QUESTION = re.compile(ANSWER_TEMPLATE.replace("mba:", "mbq:"), re.DOTALL)
_FORM = re.compile(FORM_TEMPLATE)
_SNOWFLAKE = re.compile(r"[0-9]{1,20}")
_VISIBLE_PAYLOAD = re.compile(r"[^\s]{1,97}")


@dataclass(frozen=True)
class Option:
    name: str
    type: int


@dataclass(frozen=True)
class Declared:
    """One subcommand as registered: the core command it runs and its options."""

    command: str  # core command name; "" for setup (the adapter's own)
    options: tuple[Option, ...] = ()


Schema: TypeAlias = Mapping[tuple[str, str], Declared]  # (group, subcommand) -> declared


def schema_of(commands: Sequence[Command]) -> dict[tuple[str, str], Declared]:
    """What /mentor and /mentor-admin accept, from the same table the tree is built from."""
    out: dict[tuple[str, str], Declared] = {}
    setup = Declared("", (Option("channel", CHANNEL), Option("role", ROLE)))
    for c in commands:
        if not c.listed:
            continue
        declared = Declared(c.name, (Option(c.arg.name, STRING),) if c.arg else ())
        out[(GROUP_COMMAND, c.subcommand)] = declared
        if c.admin:
            out[(ADMIN_GROUP, c.subcommand)] = declared
    out[(GROUP_COMMAND, SETUP)] = out[(ADMIN_GROUP, SETUP)] = setup
    return out


# ---- what an interaction becomes -------------------------------------------------------


@dataclass(frozen=True)
class ToCore:
    """A slash command: acknowledge, hand to core."""

    inbound: CommandIn


@dataclass(frozen=True)
class Pressed:
    """A button or select choice carrying a core payload; `label` is what was chosen."""

    inbound: ActionIn
    label: str


@dataclass(frozen=True)
class Setup:
    channel_id: int
    role_id: int


@dataclass(frozen=True)
class Suggest:
    """Autocomplete: skill names starting like `typed`."""

    typed: str


@dataclass(frozen=True)
class OpenQuestion:
    """ "Answer here" pressed: open a modal with one text input for this question."""

    asks: Asks


@dataclass(frozen=True)
class Answered:
    """The answer modal submitted: typed text for the person's conversation."""

    inbound: TextIn


@dataclass(frozen=True)
class OpenForm:
    """A "Next" button of a form shown in pages: open page `page` (0-based)."""

    form: str
    page: int


@dataclass(frozen=True)
class FormPage:
    """One page of a form submitted: field key -> typed value (a modal page), or the
    options chosen in a form's select message (`choices`)."""

    form: str
    page: int
    values: Mapping[str, str]
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Refused:
    text: str


@dataclass(frozen=True)
class ReportMessage:
    """The "Report message" context-menu command on a message in a server channel."""

    message_id: str


@dataclass(frozen=True)
class Ignored:
    reason: str


Translation: TypeAlias = (
    ToCore
    | ReportMessage
    | Pressed
    | Setup
    | Suggest
    | OpenQuestion
    | Answered
    | OpenForm
    | FormPage
    | Refused
    | Ignored
)


def answer_custom_id(asks: Asks, prefix: str = ANSWER_PREFIX) -> str:
    """The question's limits travel in the custom_id: the modal opens with no lookup."""
    limit = max(1, min(asks.max_length, MAX_ANSWER))
    label = " ".join(asks.label.split())[:45] or "Your answer"
    return f"{prefix}{limit}:{int(asks.multiline)}:{label}"


def form_custom_id(form: str, page: int) -> str:
    return f"{FORM_PREFIX}{form}:{page}"


# ---- translation -----------------------------------------------------------------------


def from_message(content: object, *, from_bot: bool, in_guild: bool) -> TextIn | CommandIn | None:
    """A message to the bot: only people's DMs with something in them are for core (in a
    server MentorBot answers slash commands, and never reads channel chatter)."""
    if from_bot or in_guild or not isinstance(content, str) or not content.strip():
        return None
    return parse_text(content)


def translate(kind: object, data: object, schema: Schema) -> Translation:
    if not isinstance(data, Mapping):
        data = {}
    if kind == APPLICATION_COMMAND:
        return _command(data, schema)
    if kind == AUTOCOMPLETE:
        return Suggest(_focused(data))
    if kind == COMPONENT:
        return _component(data)
    if kind == MODAL_SUBMIT:
        return _modal(data)
    return Ignored(f"interaction type {kind!r}")


def _str(value: object, limit: int) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= limit else None


def _command(data: Mapping[str, Any], schema: Schema) -> Translation:
    if data.get("type") == MESSAGE_COMMAND:
        target = data.get("target_id")
        if data.get("name") != REPORT_MENU or not isinstance(target, str):
            return Refused("I don't know that command.")
        if not _SNOWFLAKE.fullmatch(target):
            return Refused("I can't tell which message that was. Please try again.")
        return ReportMessage(target)
    group = _str(data.get("name"), 32)
    options = data.get("options")
    sub_option = options[0] if isinstance(options, list) and len(options) == 1 else None
    if not isinstance(sub_option, Mapping) or sub_option.get("type") != SUB_COMMAND:
        return Refused(f"I don't know that command. Try `/{GROUP_COMMAND} help`.")
    sub = _str(sub_option.get("name"), 32)
    declared = schema.get((group or "", sub or ""))
    if group is None or sub is None or declared is None:
        return Refused(f"I don't know that command. Try `/{GROUP_COMMAND} help`.")
    given = sub_option.get("options") or []
    if not isinstance(given, list):
        return Refused(f"`/{group} {sub}` got options I can't read. Please run it again.")
    types = {o.name: o.type for o in declared.options}
    values: dict[str, str] = {}
    for option in given:
        if not isinstance(option, Mapping) or option.get("name") not in types:
            return Refused(f"`/{group} {sub}` has no such option. Please run it again.")
        name = str(option["name"])
        expected, value = types[name], option.get("value")
        if option.get("type") != expected or not _fits(expected, value):
            return Refused(
                f"`/{group} {sub}`: *{name}* must be {TYPE_NAMES.get(expected, 'text')}. "
                "Please run it again."
            )
        assert isinstance(value, str)
        values[name] = value
    if not declared.command:
        if set(values) != {"channel", "role"}:
            return Refused(f"`/{group} {sub}` needs a channel and a role.")
        return Setup(int(values["channel"]), int(values["role"]))
    return ToCore(CommandIn(declared.command, next(iter(values.values()), "")))


def _fits(expected: int, value: object) -> bool:
    if not isinstance(value, str):  # bool is an int, an int is not text: both refused
        return False
    if expected in (CHANNEL, ROLE):
        return _SNOWFLAKE.fullmatch(value) is not None
    return len(value) <= 6000  # Discord's own limit for a string option; core caps it more


def _focused(data: Mapping[str, Any]) -> str:
    """The value being typed in an autocomplete, wherever it is nested; "" if none."""
    stack: list[object] = [data.get("options")]
    for _ in range(8):  # options nest at most three levels; bounded against forged depth
        found: list[object] = []
        for options in stack:
            if not isinstance(options, list):
                continue
            for o in options[:25]:
                if not isinstance(o, Mapping):
                    continue
                if o.get("focused") is True and isinstance(o.get("value"), str):
                    return str(o["value"])[:100]
                found.append(o.get("options"))
        stack = found
    return ""


def _component(data: Mapping[str, Any]) -> Translation:
    custom_id = _str(data.get("custom_id"), 100)
    if custom_id is None:
        return Refused(EXPIRED)
    kind = data.get("component_type")
    if kind == BUTTON:
        if m := _PAYLOAD.fullmatch(custom_id):
            return Pressed(ActionIn(m["payload"]), "")
        if m := _ANSWER.fullmatch(custom_id):
            return OpenQuestion(_asks(m))
        if m := _FORM.fullmatch(custom_id):
            return OpenForm(m["form"], int(m["page"]))
    if kind == STRING_SELECT and (m := _FORM.fullmatch(custom_id)):
        chosen = data.get("values")
        if isinstance(chosen, list) and len(chosen) <= 25:
            picked = tuple(v for v in chosen if isinstance(v, str) and 0 < len(v) <= 100)
            if len(picked) == len(chosen):
                return FormPage(m["form"], int(m["page"]), {}, picked)
    if kind == STRING_SELECT and _SELECT.fullmatch(custom_id):
        values = data.get("values")
        if isinstance(values, list) and len(values) == 1:
            payload = _str(values[0], MAX_PAYLOAD)
            if payload is not None and _VISIBLE_PAYLOAD.fullmatch(payload):
                return Pressed(ActionIn(payload), "")
    return Refused(EXPIRED)


def _asks(m: re.Match[str]) -> Asks:
    return Asks(m["label"], max_length=max(1, int(m["max"])), multiline=m["multi"] == "1")


def text_inputs(components: object) -> dict[str, str]:
    """Text inputs of a modal submission: in action rows (type 1) or labels (type 18)."""
    out: dict[str, str] = {}
    if not isinstance(components, list):
        return out
    for holder in components[:5]:
        if not isinstance(holder, Mapping):
            continue
        inner = holder.get("components") if holder.get("type") == ACTION_ROW else None
        if holder.get("type") == LABEL:
            inner = [holder.get("component")]
        for c in inner if isinstance(inner, list) else []:
            if not isinstance(c, Mapping) or c.get("type") != TEXT_INPUT:
                continue
            key, value = _str(c.get("custom_id"), 100), c.get("value")
            if key is not None and isinstance(value, str) and len(value) <= MAX_ANSWER:
                out[key] = value
    return out


def _modal(data: Mapping[str, Any]) -> Translation:
    custom_id = _str(data.get("custom_id"), 100)
    if custom_id is None:
        return Refused(EXPIRED)
    values = text_inputs(data.get("components"))
    if _QUESTION.fullmatch(custom_id):
        if len(values) != 1:
            return Refused(EXPIRED)
        return Answered(TextIn(next(iter(values.values()))))
    if m := _FORM.fullmatch(custom_id):
        return FormPage(m["form"], int(m["page"]), values)
    return Refused(EXPIRED)
