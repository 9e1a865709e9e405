"""Polling: a busy bot asks for updates at most every so often; an idle one at once."""

from __future__ import annotations

import time

from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer

from bots.telegram.wiring import Session
from tests.adapters.telegram.fakeapi import FakeBotAPI

EVERY_S = 0.5  # large, so "at once" and "after the pause" can't be confused on a slow CI


async def test_busy_polls_are_spaced_and_an_idle_one_is_not(api: FakeBotAPI) -> None:
    session = Session(api=TelegramAPIServer.from_base(api.url), poll_every_busy_s=EVERY_S)
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
