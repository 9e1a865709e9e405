"""What the chat page may send over its WebSocket, read at the boundary: anything else is a
clear refusal, never a traceback."""

from __future__ import annotations

import json

import pytest

from bots.web.inbound import BAD_ID, Hello, Refused, Said, read
from core.messaging import MAX_TEXT, ActionIn, CommandIn, TextIn


def test_text_commands_and_buttons_become_the_neutral_model() -> None:
    assert read(json.dumps({"type": "text", "text": "  python  "})) == Said(
        "python", TextIn("python")
    )
    said = read(json.dumps({"type": "text", "text": "/find react"}))
    assert isinstance(said, Said) and said.inbound == CommandIn("find", "react")
    pressed = read(json.dumps({"type": "action", "payload": "menu:find", "label": "Find"}))
    assert pressed == Said("» Find", ActionIn("menu:find"))
    assert read(json.dumps({"type": "hello", "last_seq": 12})) == Hello(12)


def test_a_press_names_the_message_its_button_was_on() -> None:
    def on(seq: object) -> int | None:
        said = read(json.dumps({"type": "action", "payload": "menu:find", "seq": seq}))
        assert isinstance(said, Said) and said.inbound == ActionIn("menu:find")
        return said.pressed_on

    assert on(7) == 7
    # Anything but a positive database integer is no seq: the press still goes through.
    assert [on(v) for v in (0, -1, True, "7", 1.5, 2**63, None)] == [None] * 7


@pytest.mark.parametrize(
    "raw",
    [
        "not json",
        "[1, 2]",
        json.dumps({"type": "shout", "text": "hi"}),
        json.dumps({"type": "text", "text": 5}),
        json.dumps({"type": "action", "payload": {"x": 1}}),
    ],
)
def test_anything_else_is_refused_in_words(raw: str) -> None:
    assert read(raw) == Refused("I didn't understand that message.")


def test_limits_and_empty_input() -> None:
    too_long = read(json.dumps({"type": "text", "text": "x" * (MAX_TEXT + 1)}))
    assert too_long == Refused(f"Messages can be at most {MAX_TEXT} characters.", too_big=True)
    assert read(json.dumps({"type": "text", "text": "   "})) is None
    expired = Refused("That button has expired — type /menu to start again.", too_big=True)
    assert read(json.dumps({"type": "action", "payload": "m" * 200})) == expired
    assert read(json.dumps({"type": "hello", "last_seq": "7"})) == Hello(0)
    assert read(json.dumps({"type": "hello", "last_seq": True})) == Hello(0)
    assert read(json.dumps({"type": "hello", "last_seq": 2**70})) == Hello(0)
    assert read(json.dumps({"type": "hello", "last_seq": -3})) == Hello(0)


def test_json_nested_thousands_deep_is_refused_not_raised() -> None:
    assert read("[" * 30000 + "]" * 30000) == Refused("I didn't understand that message.")


def test_a_message_id_is_read_and_a_bad_one_refused() -> None:
    said = read(json.dumps({"type": "text", "text": "hi", "id": "lx3-9Zq.1:a_b"}))
    assert isinstance(said, Said) and said.client_id == "lx3-9Zq.1:a_b"
    pressed = read(json.dumps({"type": "action", "payload": "menu:find", "seq": 3, "id": "p1"}))
    assert pressed == Said("» menu:find", ActionIn("menu:find"), 3, "p1")
    assert read(json.dumps({"type": "text", "text": "hi"})) == Said("hi", TextIn("hi"))
    for bad in ("", "a b", "x" * 65, 12, None.__class__.__name__ + "\n"):
        assert read(json.dumps({"type": "text", "text": "hi", "id": bad})) == Refused(BAD_ID)
