"""Any update dict through bots/telegram/inbound.py: an inbound for core, or a documented
refusal (NotAnUpdate, Unreadable, NotYours, Redirect, None), never an exception."""

from __future__ import annotations

from typing import Any

from aiogram.types import Update
from hypothesis import example, given, settings

from bots.telegram.inbound import (
    BotJoined,
    BotLeft,
    NotAnUpdate,
    NotYours,
    Redirect,
    Routed,
    Unreadable,
    membership_of,
    read_update,
    translate_message,
    translate_press,
)
from bots.telegram.render import render
from core.messaging import ActionIn, Actor, CommandIn, FileIn, TextIn
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.updates import UPDATES

BOT = "mentorbot_test_bot"
_FAKE = FakeBotAPI()


def _storable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def translate(update: Update) -> object:
    """What the bot's handler for this update's type makes of it."""
    if update.message is not None:
        return translate_message(update.message, BOT)
    if update.callback_query is not None:
        return translate_press(update.callback_query, BOT)
    if update.my_chat_member is not None:
        return membership_of(update.my_chat_member)
    return None  # a type without a handler: acknowledged, nothing to do


def _check_actor(actor: Actor) -> None:
    assert actor.platform == "telegram" and actor.external_id.lstrip("-").isdigit()
    assert _storable(actor.display_name) and 0 < len(actor.display_name) <= 100
    assert _storable(actor.locale) and 0 < len(actor.locale) <= 8


def _case(raw: Any) -> str:
    update = read_update(raw)
    if isinstance(update, NotAnUpdate):
        assert update.why
        return "not an update"
    if isinstance(update, Unreadable):
        assert isinstance(update.update_id, int) and update.why
        return "unreadable"
    out = translate(update)
    if isinstance(out, Routed):
        _check_actor(out.actor)
        assert isinstance(out.inbound, TextIn | CommandIn | ActionIn | FileIn)
        assert out.key.chat_id.lstrip("-").isdigit()
        return "routed"
    if isinstance(out, Redirect):
        assert render(out.reply) and all(_storable(o.html) for o in render(out.reply))  # type: ignore[union-attr]
        return "redirect"
    if isinstance(out, NotYours):
        assert 0 < len(out.alert) <= 200 and _storable(out.alert)
        return "not yours"
    if isinstance(out, BotJoined | BotLeft):
        assert out.place.chat_id.lstrip("-").isdigit()
        return "membership"
    assert out is None, out
    return "ignored"


GROUP_PRESS = {
    "update_id": 3,
    "callback_query": {
        "id": "q",
        "from": {"id": 2**60, "is_bot": False, "first_name": "\ud800"},
        "chat_instance": "c",
        "data": "bk:book:99999999999999999999",
        "message": {
            "message_id": 5,
            "date": 1,
            "chat": {"id": -100, "type": "supergroup", "title": "g"},
            "reply_to_message": {
                "message_id": 4,
                "date": 1,
                "chat": {"id": -100, "type": "supergroup", "title": "g"},
                "from": {"id": 3, "is_bot": False, "first_name": "\udfff", "username": "a\ud800"},
            },
        },
    },
}


@settings(max_examples=400, derandomize=True, deadline=None)
@given(raw=UPDATES)
@example(raw={"update_id": True, "message": {}})
@example(raw={"update_id": 2**40})
@example(raw={"update_id": 10**30, "message": None})
@example(raw={"update_id": 1, **_FAKE.text_update(7, "/start book_²")})
@example(raw={"update_id": 1, **_FAKE.text_update(7, "/start book_" + "9" * 30)})
@example(raw={"update_id": 1, **_FAKE.text_update(2**62, "hi", first_name="\ud83d")})
@example(raw={"update_id": 1, **_FAKE.text_update(7, "/profile", chat_id=-5, first_name="\udc00")})
@example(raw={"update_id": 1, **_FAKE.membership_update(-(10**20), "left", "member")})
@example(raw={"update_id": 1, **_FAKE.membership_update(-7, "administrator", "kicked")})
@example(raw=GROUP_PRESS)
def test_any_update_dict_is_an_inbound_or_a_documented_refusal(raw: Any) -> None:
    _case(raw)


def test_the_examples_reach_every_outcome() -> None:
    """So the property above is not vacuous: hand-made inputs of every kind land where meant."""
    seen = {
        _case({"update_id": True}),
        _case({"update_id": 1, "message": {"chat": 5}}),
        _case({"update_id": 1, **_FAKE.text_update(7, "/start book_²")}),
        _case({"update_id": 1, **_FAKE.text_update(7, "/profile", chat_id=-5)}),
        _case({"update_id": 1, **_FAKE.membership_update(-7, "left", "member")}),
        _case(GROUP_PRESS),
        _case({"update_id": 1, "poll_answer": {"poll_id": "p"}}),
        _case({"update_id": 1, "some_later_type": {}}),
    }
    assert seen == {
        "not an update",
        "unreadable",
        "routed",
        "redirect",
        "membership",
        "not yours",
        "ignored",
    }
    # An update_id beyond 32 bits is still an update: refusing it, Telegram would retry forever.
    assert isinstance(read_update({"update_id": 2**40, **_FAKE.text_update(7, "hi")}), Update)
    assert isinstance(read_update({"update_id": 2**63, **_FAKE.text_update(7, "hi")}), NotAnUpdate)
    update = read_update({"update_id": 1, **_FAKE.text_update(7, "/start book_²")})
    assert isinstance(update, Update) and update.message is not None
    routed = translate_message(update.message, BOT)
    # "²" is a digit to Python but no mentor id: the /start goes to core as typed.
    assert isinstance(routed, Routed) and routed.inbound == CommandIn("start", "book_²")
