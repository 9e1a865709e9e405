"""Hypothesis over Discord interaction payloads (issue #14): whatever arrives, the pure
translation (bots/discord/inbound.py) returns one of its documented outcomes and never
raises; anything bound for core is well typed."""

from __future__ import annotations

from typing import Any

from hypothesis import event, example, given, settings
from hypothesis import strategies as st

from bots.discord import inbound as ib
from core.commands import COMMANDS
from core.messaging import ActionIn, CommandIn, TextIn

SCHEMA = ib.schema_of(COMMANDS)
OUTCOMES = (
    ib.ToCore,
    ib.Pressed,
    ib.Setup,
    ib.Suggest,
    ib.OpenQuestion,
    ib.Answered,
    ib.OpenForm,
    ib.FormPage,
    ib.Refused,
    ib.Ignored,
)
SUBS = sorted({sub for _group, sub in SCHEMA} | {"dance", ""})
OPTION_NAMES = ["query", "code", "args", "channel", "role", "text", ""]
PREFIXES = ["mb:", "mbs:", "mba:", "mbq:", "mbf:", "mbf:apply:", "mbf:profile:", "", "x"]

json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=40)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)
payload_texts = st.from_regex(r"[a-z]{1,6}(:[a-z0-9_]{1,8}){0,3}", fullmatch=True)
# Well-formed custom_ids (as this bot makes them) half the time, anything else otherwise.
custom_ids = st.one_of(
    st.builds(lambda p: "mb:" + p, payload_texts),
    st.builds(lambda n: f"mbs:{n}", st.integers(0, 999)),
    st.builds(
        lambda m, ml, label: f"mba:{m}:{int(ml)}:{label}",
        st.integers(0, 9999),
        st.booleans(),
        st.text(min_size=1, max_size=50),
    ),
    st.builds(
        lambda f, n: f"mbf:{f}:{n}",
        st.sampled_from(["apply", "profile", "x_y"]),
        st.integers(0, 99),
    ),
    st.builds(lambda p, rest: p + rest, st.sampled_from(PREFIXES), st.text(max_size=110)),
    json_values,
)


def _typed_value(kind: int) -> st.SearchStrategy[Any]:
    if kind == 3:
        return st.text(max_size=300)
    if kind in (7, 8):
        return st.from_regex(r"[0-9]{1,20}", fullmatch=True)
    return json_values


@st.composite
def options(
    draw: st.DrawFn, declared: ib.Declared, wild: bool, o: ib.Option | None = None
) -> dict[str, Any]:
    if o is not None and not wild:
        kind = draw(st.sampled_from([o.type, o.type, o.type, 4, 5, 10]))  # now and then forged
        option: dict[str, Any] = {"name": o.name, "type": kind, "value": draw(_typed_value(kind))}
    else:
        option = {
            "name": draw(st.sampled_from(OPTION_NAMES) | st.text(max_size=8)),
            "type": draw(st.integers(0, 12) | json_values),
            "value": draw(json_values),
        }
    if draw(st.integers(0, 3)) == 0:
        option["focused"] = draw(st.booleans() | json_values)
    if wild and draw(st.booleans()):
        del option[draw(st.sampled_from(["name", "type", "value"]))]
    return option


@st.composite
def commands(draw: st.DrawFn) -> Any:
    """Mostly what Discord sends for a registered subcommand; a quarter mangled somewhere."""
    group, sub_name = draw(st.sampled_from(sorted(SCHEMA)))
    declared = SCHEMA[(group, sub_name)]
    wild = draw(st.integers(0, 3)) == 0
    if not wild:
        given = [draw(options(declared, False, o)) for o in declared.options if draw(st.booleans())]
        sub = {"name": sub_name, "type": 1, "options": given}
        return {"name": group, "type": 1, "options": [sub]}
    sub = {
        "name": draw(st.sampled_from(SUBS) | st.text(max_size=8) | json_values),
        "type": draw(st.integers(0, 12) | json_values),
        "options": draw(st.lists(options(declared, True), max_size=3) | json_values),
    }
    data = {
        "name": draw(st.sampled_from(["mentor", "mentor-admin", "other"]) | json_values),
        "type": 1,
        "options": draw(st.lists(st.just(sub), min_size=0, max_size=2) | json_values),
    }
    return draw(st.just(data) | json_values)


@st.composite
def components(draw: st.DrawFn) -> Any:
    data: dict[str, Any] = {
        "custom_id": draw(custom_ids),
        "component_type": draw(st.sampled_from([2, 3]) | st.sampled_from([5, 8]) | json_values),
    }
    if draw(st.booleans()):
        values = st.lists(payload_texts | st.text(max_size=120) | json_values, max_size=26)
        data["values"] = draw(values | json_values)
    return data


@st.composite
def modal_submits(draw: st.DrawFn) -> Any:
    text_input = st.fixed_dictionaries(
        {
            "type": st.just(4) | st.integers(0, 20),
            "custom_id": st.sampled_from(["answer", "name", "bio"]) | custom_ids,
            "value": st.text(max_size=4100) | json_values,
        }
    )
    holder = st.one_of(
        st.fixed_dictionaries(
            {"type": st.just(1), "components": st.lists(text_input, max_size=3) | json_values}
        ),
        st.fixed_dictionaries({"type": st.just(18), "component": text_input | json_values}),
        json_values,
    )
    custom_id = draw(custom_ids)
    if isinstance(custom_id, str) and custom_id.startswith("mba:"):
        custom_id = "mbq:" + custom_id[4:]  # the answer modal's own id
    return {"custom_id": custom_id, "components": draw(st.lists(holder, max_size=6) | json_values)}


payloads = st.one_of(
    st.tuples(st.just(2), commands()),
    st.tuples(st.just(4), commands()),
    st.tuples(st.just(3), components()),
    st.tuples(st.just(3), components()),  # twice: many custom_id shapes to cover
    st.tuples(st.just(5), modal_submits()),
    st.tuples(json_values, json_values),
)


def _cmd(sub: str, *options: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": "mentor",
        "type": 1,
        "options": [{"name": sub, "type": 1, "options": [*options]}],
    }


_ROW = {"type": 1, "components": [{"type": 4, "custom_id": "answer", "value": "python"}]}


# One well-formed payload per outcome, on top of the generated ones (so every outcome is
# checked whatever the derandomized draw reaches).
@example((2, _cmd("find", {"name": "query", "type": 3, "value": "react"})))
@example(
    (
        2,
        _cmd(
            "setup",
            {"name": "channel", "type": 7, "value": "1"},
            {"name": "role", "type": 8, "value": "2"},
        ),
    )
)
@example((4, _cmd("find", {"name": "query", "type": 3, "value": "re", "focused": True})))
@example((3, {"custom_id": "mb:menu:find", "component_type": 2}))
@example((3, {"custom_id": "mba:200:0:Which skill?", "component_type": 2}))
@example((3, {"custom_id": "mbf:apply:1", "component_type": 2}))
@example((3, {"custom_id": "mbf:apply:2", "component_type": 3, "values": ["10"]}))
@example((5, {"custom_id": "mbq:200:0:Which skill?", "components": [_ROW]}))
@example((5, {"custom_id": "mbf:apply:0", "components": [_ROW]}))
@example((1, {}))
@settings(max_examples=200, derandomize=True, deadline=None)
@given(payload=payloads)
def test_every_interaction_maps_to_a_documented_outcome(payload: tuple[Any, Any]) -> None:
    kind, data = payload
    got = ib.translate(kind, data, SCHEMA)
    event(type(got).__name__)  # --hypothesis-show-statistics: which outcomes were reached
    assert isinstance(got, OUTCOMES)
    if isinstance(got, ib.ToCore):
        assert isinstance(got.inbound, CommandIn) and isinstance(got.inbound.args, str)
        assert kind == 2
    elif isinstance(got, ib.Pressed):
        assert isinstance(got.inbound, ActionIn)
        payload_text = got.inbound.payload
        assert 0 < len(payload_text) <= ib.MAX_PAYLOAD and not any(
            c.isspace() for c in payload_text
        )
    elif isinstance(got, ib.Answered):
        assert isinstance(got.inbound, TextIn) and len(got.inbound.text) <= ib.MAX_ANSWER
    elif isinstance(got, ib.Setup):
        assert got.channel_id >= 0 and got.role_id >= 0
    elif isinstance(got, ib.FormPage):
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in got.values.items())
        assert got.choices is None or all(isinstance(c, str) for c in got.choices)
    elif isinstance(got, ib.Refused):
        assert got.text
    elif isinstance(got, ib.Suggest):
        assert isinstance(got.typed, str) and len(got.typed) <= 100
    elif isinstance(got, ib.OpenQuestion):
        assert 1 <= got.asks.max_length <= 9999 and 1 <= len(got.asks.label) <= 45
    if kind in (3, 5) and not isinstance(got, ib.Ignored):
        assert not isinstance(got, ib.ToCore | ib.Setup | ib.Suggest)


@settings(max_examples=200, derandomize=True, deadline=None)
@given(content=json_values | st.text(), from_bot=st.booleans(), in_guild=st.booleans())
def test_every_message_maps_to_text_a_command_or_nothing(
    content: Any, from_bot: bool, in_guild: bool
) -> None:
    got = ib.from_message(content, from_bot=from_bot, in_guild=in_guild)
    assert got is None or isinstance(got, TextIn | CommandIn)
    if from_bot or in_guild:
        assert got is None
