"""Booking journeys through the dialogs: request, decide, remind, complete, rate, cancel."""

from __future__ import annotations

import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from core.app import CoreApp
from core.booking.room_chat import add_message
from core.booking.tables import Booking, BookingNotice
from core.clock import ManualClock
from core.db.schema import MentorProfile
from core.messaging import LinkButton, Reply
from tests.support import ChatDriver, RecordingChannel, make_core
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_onboarding import onboard_learner


async def _approve(core: CoreApp) -> None:
    async with core.db.transaction() as s:
        for mp in await s.scalars(select(MentorProfile)):
            mp.status = "approved"


async def _mentor(core: CoreApp, name: str = "meera", price: str = "free") -> ChatDriver:
    c = await apply_as_mentor(core, name, skills="Python: advanced", price=price)
    await _approve(core)
    return c


def _texts(replies: list[Reply]) -> str:
    return "\n".join(r.text for r in replies)


async def _book(c: ChatDriver, mentor: str = "Meera", topic: str = "Decorators confuse me") -> None:
    await c.say("/find python")
    await c.press(mentor)
    await c.press("Book a session")
    assert "How long" in c.text()
    await c.press("10 min")
    assert "Which day?" in c.text() and "Asia/Kolkata" in c.text()
    await c.press("Mon 23 Nov")
    assert "pick a start time" in c.text()
    await c.press("18:00")
    assert "What would you like to cover" in c.text()
    await c.say(topic)
    assert "Mon 23 Nov, 18:00 (Asia/Kolkata)" in c.text()
    await c.press("Send request")
    assert "Request sent to *Meera*" in c.text()


async def _booked(
    core: CoreApp, inbox: RecordingChannel, *, accept: bool
) -> tuple[ChatDriver, ChatDriver]:
    """Meera (free Python mentor) and Asha (learner) with a request for Mon 18:00 Kolkata,
    accepted by Meera when `accept`."""
    mentor = await _mentor(core)
    learner = await onboard_learner(core, "asha")
    await _book(learner)
    if accept:
        await mentor.press("Accept", [inbox.inbox["meera"][-1]])
    return mentor, learner


async def test_book_accept_remind_complete_rate(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    mentor = await _mentor(core)
    learner = await onboard_learner(core, "asha")
    await _book(learner)
    request = inbox.inbox["meera"][-1]
    assert "Session request" in request.text and "Decorators confuse me" in request.text
    await mentor.press("Accept", [request])
    assert "Accepted" in mentor.text()
    confirmed = inbox.inbox["asha"][-1]
    assert "Confirmed" in confirmed.text and confirmed.attachment is not None
    cal = Calendar.from_ical(confirmed.attachment.data)
    ev = next(iter(cal.walk("VEVENT")))
    assert ev.decoded("dtstart").isoformat() == "2026-11-23T12:30:00+00:00"
    assert ev.decoded("dtend").isoformat() == "2026-11-23T12:40:00+00:00"
    assert "/room/" in str(ev.get("url"))

    # Booked less than 24 h ahead: one reminder at once, then the 15-minute one.
    report = await core.tick()
    assert report.reminded == 1
    assert "starts within 24 h" in inbox.inbox["asha"][-1].text
    assert (await core.tick()).reminded == 0
    clock.advance(timedelta(hours=3, minutes=16))  # 12:16 UTC, 14 min before the start
    assert (await core.tick()).reminded == 1
    assert "in 15 min or less" in inbox.inbox["meera"][-1].text

    clock.advance(timedelta(minutes=40))  # past the end plus the grace period
    assert (await core.tick()).completed == 1
    prompt = inbox.inbox["asha"][-1]
    assert "How was your session" in prompt.text
    await learner.press("★★★★★", [prompt])
    await learner.say("Clear and kind, fixed my decorator bug")
    assert "shown to the other person once they've rated too" in learner.text()
    assert not any("rated session" in r.text for r in inbox.inbox.get("meera", []))
    await mentor.press("★★★★", [inbox.inbox["meera"][-1]])
    await mentor.press("Skip")
    assert "Thanks!" in mentor.text(), mentor.text()
    assert "rated session" in inbox.inbox["meera"][-1].text, [r.text for r in inbox.inbox["meera"]]
    assert "Clear and kind" in inbox.inbox["meera"][-1].text
    async with core.db.transaction() as s:
        mp = await s.get(MentorProfile, (await s.scalar(select(Booking.mentor_id))))
        assert mp is not None and (mp.rating_sum, mp.rating_count) == (5, 1)
        assert mp.sessions_completed == 1
    await learner.say("/sessions")
    assert "completed" in learner.text()
    assert not any(isinstance(x, LinkButton) for r in learner.last for x in r.all_buttons())
    # The call room's chat is part of the session's record, linked from /sessions.
    async with core.db.transaction() as s:
        b = await s.scalar(select(Booking))
        assert b is not None
        await add_message(s, b.id, b.learner_id, "learner", "thanks!", clock.now())
    await learner.say("/sessions")
    links = [x for r in learner.last for x in r.all_buttons() if isinstance(x, LinkButton)]
    assert [x.label for x in links] == ["🗒 Room chat"] and links[0].url.endswith("/recordings")


async def test_reminders_are_sent_once_across_a_restart(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    await _booked(core, inbox, accept=True)
    # Two processes over one database, each ticking: one reminder in all.
    other = await make_core(core.db, clock)
    other.delivery.register(inbox)
    reports = [await core.tick(), await other.tick(), await core.tick()]
    assert sum(r.reminded for r in reports) == 1
    async with core.db.transaction() as s:
        kinds = list(await s.scalars(select(BookingNotice.kind)))
    assert len(kinds) == 1 and kinds[0].startswith("reminder:1440:")


async def test_decline_offers_the_next_best_mentor(core: CoreApp, inbox: RecordingChannel) -> None:
    meera = await _mentor(core, "meera")
    await _mentor(core, "kabir")
    learner = await onboard_learner(core, "asha")
    await _book(learner)
    await meera.press("Decline", [inbox.inbox["meera"][-1]])
    told = inbox.inbox["asha"][-1]
    assert "can't take request" in told.text and "Kabir" in told.text
    await learner.press("Book Kabir", [told])
    assert "How long a session with *Kabir*" in learner.text()


async def test_unanswered_request_expires(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    await _mentor(core)
    learner = await onboard_learner(core, "asha")
    await _book(learner)
    clock.advance(timedelta(hours=2, minutes=31))  # an hour before the 12:30 UTC start
    assert (await core.tick()).expired == 1
    assert "expired" in inbox.inbox["asha"][-1].text
    async with core.db.transaction() as s:
        assert (await s.scalar(select(Booking.status))) == "expired"


async def test_cancel_shows_the_policy_first(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    _, learner = await _booked(core, inbox, accept=True)
    await learner.say("/sessions")
    assert "confirmed" in learner.text()
    await learner.press("Cancel")
    assert "Cancel session" in learner.text() and "Nothing has been paid" in learner.text()
    await learner.press("Keep it")
    # Keeping it goes back to the session list, not the generic menu, with the session intact.
    assert "What next" not in learner.text()
    assert "*#1* Mon 23 Nov, 18:00" in learner.text() and "✅ confirmed" in learner.text()
    async with core.db.transaction() as s:
        assert (await s.scalar(select(Booking.status))) == "confirmed"
    await learner.press("Cancel")
    await learner.press("Yes, cancel it")
    assert "is cancelled" in learner.text()
    assert "cancelled session" in inbox.inbox["meera"][-1].text
    await learner.press("Yes, cancel it", learner.transcript[-2][1])
    assert "already cancelled" in learner.text()


async def test_reschedule_moves_the_same_booking(core: CoreApp, inbox: RecordingChannel) -> None:
    _, learner = await _booked(core, inbox, accept=True)
    await learner.say("/sessions")
    await learner.press("Reschedule")
    await learner.press("Tue 24 Nov")
    await learner.press("19:00")
    assert "Tue 24 Nov, 19:00" in learner.text()
    await learner.press("Send request")
    assert "Moved to" in learner.text()
    assert "wants to move their session" in inbox.inbox["meera"][-1].text
    async with core.db.transaction() as s:
        rows = list(await s.scalars(select(Booking)))
    assert len(rows) == 1 and rows[0].status == "requested"
    assert rows[0].starts_at.isoformat() == "2026-11-24T13:30:00+00:00"


async def test_bad_input_in_the_booking_dialog_keeps_progress(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    await _mentor(core)
    learner = await onboard_learner(core, "asha")
    await learner.say("/find python")
    await learner.press("Meera")
    await learner.press("Book a session")
    await learner.say("45")
    assert "Choose one of: 10, 20, 30 minutes." in learner.text()
    await learner.say("20 min")
    await learner.say("some day?")
    assert "Please tap one of the days, or type a time" in learner.text()
    await learner.press("Mon 23 Nov")
    await learner.say("whenever")
    assert "Please tap one of the times, or type one" in learner.text()
    await learner.press("18:30")
    await learner.say("x")
    assert "3 to 300 characters" in learner.text()
    await learner.say("System design basics")
    await learner.say("yes")
    assert "Send request" in learner.text()
    await learner.press("Stop")
    assert "Nothing was requested" in learner.text()
    async with core.db.transaction() as s:
        assert await s.scalar(select(Booking.id)) is None


async def test_cannot_book_yourself(core: CoreApp, inbox: RecordingChannel) -> None:
    mentor = await _mentor(core)
    async with core.db.transaction() as s:
        mid = await s.scalar(select(MentorProfile.user_id))
    await mentor.say(f"/book {mid}")
    assert "can't book yourself" in mentor.text()


async def test_reported_problem_stops_completion_and_tells_admins(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say("/menu")
    _, learner = await _booked(core, inbox, accept=True)
    clock.advance(timedelta(hours=3, minutes=35))  # five minutes into the session
    await learner.say("/sessions")
    await learner.press("Report a problem")
    assert "an admin will look" in learner.text()
    assert "was reported by Asha" in inbox.inbox["admin"][-1].text
    told = [r.text for r in inbox.inbox["meera"]]
    assert "reported a problem" in told[-2] and "Give your side" in str(inbox.inbox["meera"][-1])
    clock.advance(timedelta(hours=1))
    assert (await core.tick()).completed == 0


async def test_profile_shows_reliability(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    mentor = await _mentor(core)
    learner = await onboard_learner(core, "asha")
    await _book(learner)
    clock.advance(timedelta(minutes=30))
    await mentor.press("Accept", [inbox.inbox["meera"][-1]])
    clock.advance(timedelta(hours=4))
    await core.tick()
    await learner.say("/find python")
    await learner.press("Meera")
    assert "Reliability: 1 session completed · 100% of bookings kept" in learner.text()
    assert "usually answers within 30 min" in learner.text()


async def _credits(core: CoreApp, name: str) -> int:
    from core.db.schema import Account
    from core.ledger.ledger import Ledger

    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == name))
        assert acc is not None
        return (await Ledger(s, core.clock.now()).wallet_balances(acc.user_id)).get("CREDIT", 0)


async def test_credit_session_holds_refunds_and_pays_one_credit(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    mentor = await _mentor(core, price="credits")
    learner = await onboard_learner(core, "asha")
    assert await _credits(core, "asha") == 2
    await _book(learner)
    assert await _credits(core, "asha") == 1  # held in escrow
    await mentor.press("Decline", [inbox.inbox["meera"][-1]])
    assert await _credits(core, "asha") == 2
    assert "refunded in full" in inbox.inbox["asha"][-1].text

    await _book(learner, topic="Generators and yield")
    await mentor.press("Accept", [inbox.inbox["meera"][-1]])
    clock.advance(timedelta(hours=4))
    assert (await core.tick()).completed == 1
    assert await _credits(core, "asha") == 1
    assert await _credits(core, "meera") == 3  # two starter credits plus the one earned


async def test_without_credits_the_request_is_refused(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    await _mentor(core, "meera", price="credits")
    learner = await onboard_learner(core, "asha")
    for slot in ("18:00", "18:30"):
        await learner.say("/find python")
        await learner.press("Meera")
        await learner.press("Book a session")
        await learner.press("10 min")
        await learner.press("Mon 23 Nov")
        await learner.press(slot)
        await learner.say("Some topic")
        await learner.press("Send request")
    assert "Request sent" in learner.text()
    assert await _credits(core, "asha") == 0
    await learner.say("/find python")
    await learner.press("Meera")
    await learner.press("Book a session")
    await learner.press("10 min")
    await learner.press("Mon 23 Nov")
    await learner.press("19:00")
    await learner.say("Third one")
    await learner.press("Send request")
    assert "don't have enough credits" in learner.text()
    async with core.db.transaction() as s:
        assert len(list(await s.scalars(select(Booking)))) == 2


async def test_bookings_feed_collaborative_filtering(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    from matching.cf import booking_interactions

    mentor = await _mentor(core)
    learner = await onboard_learner(core, "asha")
    await _book(learner)
    async with core.db.transaction() as s:
        assert [i.weight for i in await booking_interactions(s)] == [1.0]
    await mentor.press("Accept", [inbox.inbox["meera"][-1]])
    clock.advance(timedelta(hours=4))
    await core.tick()
    async with core.db.transaction() as s:
        (got,) = await booking_interactions(s)
        b = await s.scalar(select(Booking))
    assert b is not None and (got.learner, got.mentor, got.weight) == (
        b.learner_id,
        b.mentor_id,
        2.0,
    )


async def _to_confirm(core: CoreApp, learner: ChatDriver) -> str:
    await learner.say("/find python")
    await learner.press("Meera")
    await learner.press("Book a session")
    await learner.press("10 min")
    await learner.press("Mon 23 Nov")
    await learner.press("18:00")
    await learner.say("Decorators confuse me")
    return learner.text()


async def test_the_confirm_card_says_what_cancelling_this_slot_would_cost(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    """Issue #22 items 1-2: the terms for this slot before committing, with the split."""
    await _mentor(core, price="100")
    early = await onboard_learner(core, "asha")
    card = await _to_confirm(core, early)
    assert "Free to cancel until Mon 23 Nov, 15:00" in card
    assert "the mentor keeps their share (₹70; platform fee ₹30)" in card
    await early.press("Stop")
    clock.advance(timedelta(hours=1))  # 15:30 in Kolkata: 18:00 is inside the 3 h window
    late = await _to_confirm(core, early)
    assert "Starts in 2 h 30 min: if you cancel, the mentor keeps their share" in late
    assert "you get no refund" in late


async def test_a_person_resets_their_calendar_feed_from_sessions(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    _, learner = await _booked(core, inbox, accept=True)
    await learner.say("/sessions")
    old = re.search(r"/calendar/([^)]+)\.ics", learner.text())
    assert old is not None and await core.calendar_feed(old[1]) is not None
    await learner.press("🔄 Reset calendar link")
    assert "Calendars subscribed to the old link stop updating" in learner.text()
    await learner.press("Yes, new link")
    new = re.search(r"/calendar/([^)]+)\.ics", learner.text())
    assert new is not None and new[1] != old[1]
    assert await core.calendar_feed(old[1]) is None
    assert await core.calendar_feed(new[1]) is not None
