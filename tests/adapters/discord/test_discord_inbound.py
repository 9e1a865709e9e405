"""bots/discord/inbound.py: raw interaction payloads -> what the adapter does, purely."""

from __future__ import annotations

from typing import Any

from bots.discord import inbound as ib
from core.commands import COMMANDS
from core.messaging import ActionIn, Asks, CommandIn, TextIn

SCHEMA = ib.schema_of(COMMANDS)


def command(sub: str, *options: dict[str, Any], group: str = "mentor") -> dict[str, Any]:
    return {
        "name": group,
        "type": 1,
        "options": [{"name": sub, "type": 1, "options": list(options)}],
    }


def test_a_command_and_its_text_option_go_to_core() -> None:
    q = {"name": "query", "type": 3, "value": "react hooks"}
    assert ib.translate(2, command("find", q), SCHEMA) == ib.ToCore(
        CommandIn("find", "react hooks")
    )
    assert ib.translate(2, command("menu"), SCHEMA) == ib.ToCore(CommandIn("menu", ""))
    assert ib.translate(2, command("apply"), SCHEMA) == ib.ToCore(CommandIn("mentor", ""))
    admin = command("admin", {"name": "args", "type": 3, "value": "pending"}, group="mentor-admin")
    assert ib.translate(2, admin, SCHEMA) == ib.ToCore(CommandIn("admin", "pending"))


def test_options_of_the_wrong_type_or_name_are_refused_in_words() -> None:
    for bad in (
        {"name": "query", "type": 4, "value": 42},  # an INTEGER
        {"name": "query", "type": 3, "value": 42},  # says STRING, is a number
        {"name": "query", "type": 3, "value": True},
        {"name": "query", "type": 3, "value": None},
        {"name": "query", "type": 3, "value": ["a"]},
    ):
        got = ib.translate(2, command("find", bad), SCHEMA)
        assert isinstance(got, ib.Refused) and "*query* must be text" in got.text
    got = ib.translate(2, command("find", {"name": "q", "type": 3, "value": "x"}), SCHEMA)
    assert isinstance(got, ib.Refused) and "no such option" in got.text
    for unknown in (
        command("dance"),
        command("help", group="other"),
        command("menu", group="mentor-admin"),
        {},
    ):
        got = ib.translate(2, unknown, SCHEMA)
        assert isinstance(got, ib.Refused) and "/mentor help" in got.text


def test_setup_needs_a_channel_and_a_role() -> None:
    channel = {"name": "channel", "type": 7, "value": "800000000000000003"}
    role = {"name": "role", "type": 8, "value": "700000000000000101"}
    got = ib.translate(2, command("setup", channel, role), SCHEMA)
    assert got == ib.Setup(800000000000000003, 700000000000000101)
    assert isinstance(ib.translate(2, command("setup", channel), SCHEMA), ib.Refused)
    forged = {**role, "value": "@everyone"}
    assert isinstance(ib.translate(2, command("setup", channel, forged), SCHEMA), ib.Refused)


def test_components() -> None:
    press = {"custom_id": "mb:menu:find", "component_type": 2}
    assert ib.translate(3, press, SCHEMA) == ib.Pressed(ActionIn("menu:find"), "")
    choose = {"custom_id": "mbs:0", "component_type": 3, "values": ["fm:skill:12"]}
    assert ib.translate(3, choose, SCHEMA) == ib.Pressed(ActionIn("fm:skill:12"), "")
    answer = {"custom_id": ib.answer_custom_id(Asks("Which skill?", 200)), "component_type": 2}
    assert ib.translate(3, answer, SCHEMA) == ib.OpenQuestion(Asks("Which skill?", 200))
    nxt = {"custom_id": "mbf:apply:1", "component_type": 2}
    assert ib.translate(3, nxt, SCHEMA) == ib.OpenForm("apply", 1)
    lengths = {"custom_id": "mbf:apply:2", "component_type": 3, "values": ["10", "20"]}
    assert ib.translate(3, lengths, SCHEMA) == ib.FormPage("apply", 2, {}, ("10", "20"))
    for stale in (
        {"custom_id": "legacy", "component_type": 2},
        {"custom_id": "mb:", "component_type": 2},
        {"custom_id": "mb:has space", "component_type": 2},
        {"custom_id": "mbs:0", "component_type": 3, "values": []},
        {"custom_id": "mbs:0", "component_type": 3, "values": ["a", "b"]},
        {"custom_id": "mb:menu:find", "component_type": 3},
        {"custom_id": 5, "component_type": 2},
        {"component_type": 2},
    ):
        assert ib.translate(3, stale, SCHEMA) == ib.Refused(ib.EXPIRED)


def test_modal_submissions() -> None:
    question = ib.answer_custom_id(Asks("Which skill?", 200), ib.QUESTION_PREFIX)
    row = {"type": 1, "components": [{"type": 4, "custom_id": "answer", "value": "python"}]}
    got = ib.translate(5, {"custom_id": question, "components": [row]}, SCHEMA)
    assert got == ib.Answered(TextIn("python"))
    label = {"type": 18, "component": {"type": 4, "custom_id": "name", "value": "Xin"}}
    got = ib.translate(5, {"custom_id": "mbf:apply:0", "components": [label]}, SCHEMA)
    assert got == ib.FormPage("apply", 0, {"name": "Xin"})
    for stale in ({"custom_id": question, "components": []}, {"custom_id": "x"}, {}):
        assert ib.translate(5, stale, SCHEMA) == ib.Refused(ib.EXPIRED)


def test_autocomplete_and_other_kinds() -> None:
    typing = command("find", {"name": "query", "type": 3, "value": "rea", "focused": True})
    assert ib.translate(4, typing, SCHEMA) == ib.Suggest("rea")
    assert ib.translate(4, None, SCHEMA) == ib.Suggest("")
    assert isinstance(ib.translate(1, {}, SCHEMA), ib.Ignored)  # PING
    assert isinstance(ib.translate(99, {}, SCHEMA), ib.Ignored)


def test_messages() -> None:
    assert ib.from_message("/find react", from_bot=False, in_guild=False) == CommandIn(
        "find", "react"
    )
    assert ib.from_message("hello", from_bot=False, in_guild=False) == TextIn("hello")
    assert ib.from_message("hello", from_bot=False, in_guild=True) is None
    assert ib.from_message("hello", from_bot=True, in_guild=False) is None
    assert ib.from_message("  ", from_bot=False, in_guild=False) is None
