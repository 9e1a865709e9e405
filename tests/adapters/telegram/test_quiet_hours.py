"""Quiet hours on Telegram (issues 16 and 19): set from the profile's button with plain words
through aiogram and the fake Bot API; news that can wait reaches the chat when they end, once,
and a session reminder comes at once."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from bots.telegram.bot import TelegramBot
from core.app import CoreApp
from core.clock import ManualClock
from core.db.schema import User
from core.messaging import Reply
from core.uow import unit_of_work
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser
from tests.support import answer_age


async def test_quiet_hours_set_in_telegram_hold_a_broadcast_until_morning(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp, clock: ManualClock
) -> None:
    lina = TgUser(api, tg, 303, "Lina")
    await lina.say("/start")
    await lina.press("Learn")
    await lina.say("Lina")
    await answer_age(lina)
    await lina.say("kubernetes")
    await lina.press("Beginner")
    await lina.press("Skip")
    await lina.press("English")
    await lina.say("Pune")
    await lina.press("Skip")

    await lina.say("/profile")
    assert "Quiet hours: off" in lina.text()
    await lina.press("Quiet hours")
    await lina.press("Other times")
    await lina.say("whenever I sleep")
    assert "Write a start and an end" in lina.text(), lina.text()
    await lina.say("10pm to 7am")
    assert "Quiet hours: 22:00–07:00 every night (Asia/Kolkata)" in lina.text(), lina.text()

    async with tg_core.db.transaction() as s:
        lina_id = await s.scalar(select(User.id).where(User.display_name == "Lina"))
    assert lina_id is not None
    # 22:30 in Pune (UTC+5:30).
    clock.advance(datetime(2026, 11, 23, 17, 0, tzinfo=UTC) - clock.now())
    async with unit_of_work(tg_core.deps) as u:
        await u.notify(lina_id, [Reply("📣 Kubernetes week starts Monday")], kind="broadcast")
        await u.notify(
            lina_id, [Reply("⏰ Your session starts in 15 min")], kind="session_reminder"
        )

    def said(text: str) -> int:
        return sum(text in m.plain for m in api.chat_messages(303))

    assert said("session starts in 15 min") == 1
    assert said("Kubernetes week") == 0
    clock.advance(datetime(2026, 11, 24, 1, 29, tzinfo=UTC) - clock.now())
    await tg_core.delivery.sweep()
    assert said("Kubernetes week") == 0
    clock.advance(datetime(2026, 11, 24, 1, 30, tzinfo=UTC) - clock.now())
    assert await tg_core.delivery.sweep() == 1
    await tg_core.delivery.sweep()
    assert said("Kubernetes week") == 1
