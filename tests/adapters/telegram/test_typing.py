""" "typing…" while a step is slow, and never for a quick answer."""

from __future__ import annotations

import asyncio

import pytest

from bots.telegram.bot import TelegramBot
from bots.telegram.indicator import TYPING_AFTER_S, TYPING_EVERY_S
from core.app import CoreApp
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import HeldSteps, TgUser, TypingGate


async def test_quick_answers_go_out_without_typing(
    api: FakeBotAPI, tg: TelegramBot, typing_gate: TypingGate
) -> None:
    u = TgUser(api, tg, 111, "Asha")
    await u.say("/start")
    await u.press("Learn")
    await u.say("/help")
    # Each answer was ready before "a second" passed: the timer was dropped unfired.
    assert api.count("sendChatAction") == 0
    assert set(typing_gate.asked) <= {TYPING_AFTER_S}


async def test_typing_while_a_slow_step_works_then_the_reply(
    api: FakeBotAPI,
    tg: TelegramBot,
    tg_core: CoreApp,
    typing_gate: TypingGate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    u = TgUser(api, tg, 111, "Asha")
    await u.say("/start")
    typing_gate.asked.clear()
    step = HeldSteps(tg_core, monkeypatch)  # e.g. matching against many mentors
    uid = api.push(api.text_update(111, "/find python"))
    await asyncio.wait_for(step.entered.wait(), 10)
    assert api.count("sendChatAction") == 0
    typing_gate.due.set()  # a second passes without an answer
    await api.wait_calls("sendChatAction", 1)
    assert api.calls[-1] == ("sendChatAction", {"chat_id": "111", "action": "typing"})
    typing_gate.due.set()  # still working 4 s later: renewed (Telegram shows it for 5 s)
    await api.wait_calls("sendChatAction", 2)
    assert typing_gate.asked[:2] == [TYPING_AFTER_S, TYPING_EVERY_S]
    step.release.set()
    await tg.wait_finished(uid)
    methods = [m for m, _ in api.calls]
    last_typing = max(i for i, m in enumerate(methods) if m == "sendChatAction")
    answer = max(i for i, m in enumerate(methods) if m == "sendMessage")
    assert last_typing < answer and api.count("sendChatAction") == 2


async def test_typing_for_a_slow_button_press(
    api: FakeBotAPI,
    tg: TelegramBot,
    tg_core: CoreApp,
    typing_gate: TypingGate,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    u = TgUser(api, tg, 222, "Ravi")
    await u.say("/start")
    msg, data = u.button("Learn")
    step = HeldSteps(tg_core, monkeypatch)
    uid = api.push(api.press_update(222, msg, data))
    await asyncio.wait_for(step.entered.wait(), 10)
    # The button's spinner was stopped first; "typing…" follows once the step is slow.
    assert api.count("answerCallbackQuery") == 1
    typing_gate.due.set()
    await api.wait_calls("sendChatAction", 1)
    step.release.set()
    await tg.wait_finished(uid)
    assert "call you" in api.chat_messages(222)[-1].plain
