"""Polling: a bot that is behind asks for updates at most every so often; one keeping up,
or idle, asks at once."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer

from bots.telegram.bot import TelegramBot
from bots.telegram.session import BEHIND_AT, Session
from bots.telegram.setup import TelegramConfig, make_bot
from core.app import CoreApp
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import HeldSteps

EVERY_S = 0.5  # large, so "at once" and "after the pause" can't be confused on a slow CI


async def test_busy_polls_are_spaced_and_an_idle_one_is_not(api: FakeBotAPI) -> None:
    session = Session(api=TelegramAPIServer.from_base(api.url), poll_every_busy_s=EVERY_S)
    session.backlog = lambda: BEHIND_AT  # this many updates still being handled
    bot = Bot(api.token, session=session)
    try:
        api.push(api.text_update(1, "one"))
        t0 = time.monotonic()
        first = await bot.get_updates(timeout=0)
        assert [u.message.text for u in first if u.message] == ["one"]
        # Updates came: the next poll waits out the pause, and meanwhile they gather.
        api.push(api.text_update(1, "two"))
        api.push(api.text_update(2, "three"))
        second = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
        t1 = time.monotonic()
        assert t1 - t0 >= EVERY_S
        assert [u.message.text for u in second if u.message] == ["two", "three"]
        # That poll found updates too, but this one comes back empty...
        third = await bot.get_updates(offset=second[-1].update_id + 1, timeout=0)
        assert third == []
        # ...so the bot is idle, and its next poll goes out without a pause.
        t2 = time.monotonic()
        await bot.get_updates(offset=second[-1].update_id + 1, timeout=0)
        assert time.monotonic() - t2 < EVERY_S
        assert api.count("getUpdates") == 4
    finally:
        await bot.session.close()


async def test_a_bot_keeping_up_polls_at_once(api: FakeBotAPI) -> None:
    session = Session(api=TelegramAPIServer.from_base(api.url), poll_every_busy_s=EVERY_S)
    session.backlog = lambda: BEHIND_AT - 1
    bot = Bot(api.token, session=session)
    try:
        api.push(api.text_update(1, "one"))
        first = await bot.get_updates(timeout=0)
        api.push(api.text_update(1, "two"))
        t0 = time.monotonic()
        second = await bot.get_updates(offset=first[-1].update_id + 1, timeout=0)
        assert time.monotonic() - t0 < EVERY_S
        assert [u.message.text for u in second if u.message] == ["two"]
    finally:
        await bot.session.close()


async def test_the_bot_reports_its_backlog_to_the_session(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert isinstance(tg.bot.session, Session)
    session = tg.bot.session
    step = HeldSteps(tg_core, monkeypatch)
    uid = api.push(api.text_update(111, "/menu"))
    await asyncio.wait_for(step.entered.wait(), 10)
    assert session.backlog() == 1  # the update being handled
    step.release.set()
    await tg.wait_finished(uid)
    assert session.backlog() == 0


async def test_an_update_two_pollers_both_receive_is_acted_on_once(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    """A rolling restart: the old process took an update but never confirmed it (its next
    getUpdates, which carries the offset, never got through), so Telegram hands the same
    update to the new process too."""
    await api.wait_calls("getUpdates")
    unconfirmed = api.hold("getUpdates", 0)  # the old poller's next (confirming) call
    uid = api.push(api.text_update(123, "/start"))
    await tg.wait_finished(uid)
    await asyncio.wait_for(unconfirmed.entered.wait(), 10)
    assert sum("What would you like to do?" in m.plain for m in api.chat_messages(123)) == 1
    assert [u["update_id"] for u in api.updates] == [uid]  # still pending at Telegram

    second = TelegramBot(tg_core, make_bot(TelegramConfig(token=api.token, api_url=api.url)))
    await second.start(polling=True, polling_timeout=1)
    try:
        await second.wait_finished(uid)
    finally:
        unconfirmed.release.set()
        await second.stop()
    assert sum("What would you like to do?" in m.plain for m in api.chat_messages(123)) == 1
