"""Issue 19 on Telegram: badges and the learner → mentor invitation after sessions, and a
busy calendar that fails to load reported in the mentor's chat."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from bots.telegram.bot import TelegramBot
from core.app import CoreApp
from core.booking.tables import Booking, SessionRating
from core.db.schema import User
from core.events import RatingsRevealed
from core.uow import unit_of_work
from mentorbot.busyfeeds import refresh_due
from tests.adapters.telegram.conftest import ADMIN_ID
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.test_swaps import _mentor
from tests.adapters.telegram.tguser import TgUser
from tests.support import answer_age


async def _id(core: CoreApp, name: str) -> int:
    async with core.db.transaction() as s:
        uid = await s.scalar(select(User.id).where(User.display_name == name))
        assert uid is not None
        return uid


async def test_badges_and_the_mentor_invitation_in_telegram(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    admin = TgUser(api, tg, ADMIN_ID, "Admin")
    await admin.say("/menu")
    await _mentor(api, tg, admin, 202, "Anita", "Kubernetes")
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
    anita, lina_id = await _id(tg_core, "Anita"), await _id(tg_core, "Lina")

    now = tg_core.deps.clock.now()
    ids = []
    async with tg_core.db.transaction() as s:
        for n in range(3):
            at = now - timedelta(days=3 - n)
            b = Booking(
                mentor_id=anita,
                learner_id=lina_id,
                starts_at=at,
                ends_at=at + timedelta(minutes=10),
                length_min=10,
                topic="pods",
                status="confirmed",
                price_mode="free",
                respond_by=at,
                created_at=at - timedelta(days=1),
            )
            s.add(b)
            await s.flush()
            ids.append(b.id)
    async with unit_of_work(tg_core.deps) as u:
        assert await u.bookings.complete_due() == 3
    await lina.say("/badges")
    assert "🌱 first session" in lina.text(), lina.text()

    async with tg_core.db.transaction() as s:
        for bid in ids:
            s.add(
                SessionRating(
                    booking_id=bid,
                    rater_id=anita,
                    ratee_id=lina_id,
                    role="learner",
                    stars=5,
                    created_at=now,
                    visible_at=now,
                )
            )
    async with unit_of_work(tg_core.deps) as u:
        u.events.append(RatingsRevealed(ids[-1]))
    [invite] = [m for m in api.chat_messages(303) if "Would you teach" in m.plain]
    assert "Kubernetes" in invite.plain
    lina.last = [invite]
    await lina.press("Apply to mentor")
    assert "At what level can you teach Kubernetes?" in lina.text(), lina.text()


async def test_a_failing_busy_calendar_is_reported_in_telegram(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    admin = TgUser(api, tg, ADMIN_ID, "Admin")
    await admin.say("/menu")
    anita = await _mentor(api, tg, admin, 202, "Anita", "Kubernetes")
    await anita.say("/busy http://127.0.0.1:9/calendar.ics")  # nothing listens on port 9
    assert "Busy calendar saved" in anita.text()
    policies = dataclasses.replace(tg_core.deps.policies, busy_feed_allow_hosts=("127.0.0.1",))
    result = await refresh_due(dataclasses.replace(tg_core.deps, policies=policies))
    assert list(result.values()) == ["the calendar couldn't be loaded (ClientConnectorError)"]
    [told] = [m for m in api.chat_messages(202) if "busy calendar didn't load" in m.plain]
    assert "couldn't be loaded" in told.plain
    await anita.say("/busy")
    assert "last load failed" in anita.text()
