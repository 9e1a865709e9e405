"""Find -> profile -> book on Telegram; the mentor, also on Telegram, accepts from the
request message; both get the confirmation, the learner with the calendar file."""

from __future__ import annotations

from bots.telegram.bot import TelegramBot
from tests.adapters.telegram.conftest import ADMIN_ID
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser
from tests.support import answer_age, onboard_learner


async def test_learner_books_a_mentor_and_the_mentor_accepts_in_telegram(
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
    assert "with the admins" in anita.text()
    admin.last = [api.chat_messages(ADMIN_ID)[-1]]
    await admin.press("Approve")

    lina = TgUser(api, tg, 303, "Lina")
    await onboard_learner(lina, "Lina", skill="kubernetes")

    await lina.say("/find kubernetes")
    await lina.press("Anita")
    await lina.press("Book a session")
    await lina.press("10 min")
    await lina.press("Tue 24 Nov")
    await lina.press("18:00")
    await lina.say("My pod keeps restarting")
    assert "Book Anita Desai" in lina.text()
    await lina.press("Send request")
    assert "Request sent" in lina.text()

    # The request reaches Anita as a Telegram message with Accept / Decline.
    [request] = [m for m in api.chat_messages(202) if "Session request" in m.plain]
    assert "Lina" in request.plain and "18:00" in request.plain
    anita.last = [request]
    await anita.press("Accept")
    assert "Confirmed" in anita.text()

    # Lina is told, with the session as a calendar document.
    told = [m for m in api.chat_messages(303) if "Confirmed" in m.plain]
    assert told and "Anita Desai" in told[-1].plain
    [ics] = [m for m in api.chat_messages(303) if m.kind == "document"]
    assert ics.filename.endswith(".ics") and b"BEGIN:VCALENDAR" in ics.data
    assert b"20261124T123000Z" in ics.data  # Tue 18:00 in India
    await lina.say("/sessions")
    assert "Anita Desai" in lina.text() and "Tue 24 Nov" in lina.text()
