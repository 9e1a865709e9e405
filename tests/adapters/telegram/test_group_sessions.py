"""A group session on Telegram: the mentor offers it with /group, a learner takes a free seat
from the mentor's profile, and the seat is a confirmed session for both."""

from __future__ import annotations

from bots.telegram.bot import TelegramBot
from tests.adapters.telegram.conftest import ADMIN_ID
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser
from tests.support import answer_age


async def test_mentor_offers_a_group_and_a_learner_takes_a_seat_in_telegram(
    api: FakeBotAPI, tg: TelegramBot
) -> None:
    admin = TgUser(api, tg, ADMIN_ID, "Admin")
    await admin.say("/menu")
    anita = TgUser(api, tg, 202, "Anita")
    await anita.say("/start")
    await anita.press("Mentor")
    await anita.say("Anita Desai")
    await answer_age(anita)
    await anita.say("Kubernetes: advanced")
    await anita.say("English")
    await anita.say("Pune")
    await anita.press("Weekday evenings")
    await anita.say("SRE at Razorpay · Kubernetes")
    await anita.say("I run production clusters and love helping people debug deployments.")
    await anita.say("6")
    await anita.say("free")
    await anita.press("10, 20")
    await anita.press("Skip")
    admin.last = [api.chat_messages(ADMIN_ID)[-1]]
    await admin.press("Approve")

    await anita.say("/group new")
    await anita.say("tomorrow 19:00")
    await anita.press("60 min")
    await anita.press("4")
    await anita.press("Free")
    await anita.say("Debugging pods together")
    assert "4 seats, free per seat" in anita.text()
    await anita.press("Open it")
    assert "Group session #1 is open" in anita.text()

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
    await lina.say("/find kubernetes")
    await lina.press("Anita")
    await lina.press("Group sessions (1)")
    assert "Debugging pods together" in lina.text() and "4 of 4 seats left" in lina.text()
    await lina.press("Take a seat in #1")
    assert "You have a seat" in lina.text() and "Tue 24 Nov, 19:00" in lina.text()

    told = [m for m in api.chat_messages(202) if "Confirmed" in m.plain]
    assert told and "Lina" in told[-1].plain
    await lina.say("/sessions")
    assert "Anita Desai" in lina.text() and "Tue 24 Nov" in lina.text()
    await anita.say("/group")
    assert "3 of 4 seats left" in anita.text()
