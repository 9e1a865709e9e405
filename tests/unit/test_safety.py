"""Block and report people (issue 18, part 3), through the chat dialogs."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.booking.payloads import Bk
from core.booking.reputation import reputation
from core.booking.service import BookingError
from core.booking.tables import Booking
from core.db.safety import Block, PersonReport
from core.messaging import ActionIn
from core.services.buttons import ViewProfile
from tests.support import ChatDriver, RecordingChannel
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_booking import _booked, _mentor
from tests.unit.test_find import _approve_all, _uid
from tests.unit.test_match_find import _engine
from tests.unit.test_onboarding import onboard_learner


async def test_block_from_a_profile_hides_the_mentor_and_refuses_requests(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    await _mentor(core)
    learner = await onboard_learner(core, "asha")
    await learner.say("/find python")
    assert "Meera" in learner.text()
    profile = await learner.press("Meera")
    await learner.press("Block", profile)
    assert "Block *Meera*?" in learner.text()
    await learner.press("Yes, block")
    assert "You blocked *Meera*" in learner.text()
    asha, meera = await _uid(core, "asha"), await _uid(core, "meera")
    async with core.uow() as u:
        assert await u.safety.blocked_between(asha, meera)
        assert await u.safety.blocked_between(meera, asha)  # either way
        offer = await u.bookings.offering(meera)
        assert offer is not None
        slots = await u.bookings.free_slots(offer, asha, 10)
        try:
            await u.bookings.request(asha, offer, slots[0], 10, "hi")
        except BookingError as exc:
            assert "can't book" in str(exc)
        else:
            raise AssertionError("a blocked pair could book")
    await learner.say("/find python")
    assert "Meera" not in learner.text(), learner.text()
    # The profile itself no longer offers booking; Unblock is offered instead.
    await learner.send(ActionIn(ViewProfile(meera).pack()))
    labels = [b.label for r in learner.last for b in r.all_buttons()]
    assert "Unblock" in labels and not any("Book" in x for x in labels), labels
    await learner.press("Unblock")
    assert "You unblocked *Meera*" in learner.text()
    await learner.say("/find python")
    assert "Meera" in learner.text()


async def test_block_from_a_session_cancels_without_penalty(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    mentor, learner = await _booked(core, inbox, accept=True)
    await mentor.say("/sessions")
    await mentor.press("Block")
    await mentor.press("Yes, block")
    assert "1 session(s) booked with them" in mentor.text()
    await mentor.press("Cancel #")
    assert "no penalty" in mentor.text()
    assert "counts against your reliability" not in mentor.text()
    await mentor.press("Yes, cancel it")
    assert "is cancelled" in mentor.text()
    meera = await _uid(core, "meera")
    async with core.db.transaction() as s:
        b = await s.scalar(select(Booking))
        assert b is not None and b.status == "cancelled" and b.cancel_reason == "blocked"
        assert (await reputation(s, meera)).dropped == 0
    # And the learner can't book Meera again.
    await learner.say("/find python")
    assert "Meera" not in learner.text()
    await learner.send(ActionIn(Bk("book", meera).pack()))
    await learner.press("10 min")
    await learner.press("Mon 23 Nov")
    await learner.press("18:00")
    await learner.say("again")
    await learner.press("Send request")
    assert "can't book a session with this person" in learner.text(), learner.text()


async def test_reports_from_three_people_alert_the_admins_once(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say("/start")
    await _mentor(core)
    meera = await _uid(core, "meera")
    for name in ("asha", "ravi", "kiran", "dev"):
        c = ChatDriver(core, name)
        await c.say("/start")
        await c.send(ActionIn(ViewProfile(meera).pack()))
        await c.press("Report")
        assert "Why are you reporting *Meera*?" in c.text()
        await c.press("Harassment")
        await c.say("Rude messages about my accent")
        assert "is with the admins" in c.text()
    async with core.uow() as u:
        reports = await u.safety.open_reports()
    assert [r.category for r in reports] == ["harassment"] * 4
    alerts = [r.text for r in inbox.inbox.get("admin", []) if "🚨" in r.text]
    assert len(alerts) == 1 and "reported by 3 different people" in alerts[0], alerts

    await admin.say("/admin reports")
    assert "Open reports about people* (4)" in admin.text()
    assert "Rude messages about my accent" in admin.text()
    await admin.press("Dismiss")
    assert "Report #1 dismissed." in admin.text()
    await admin.press("Dealt with", admin.transcript[-2][1])
    assert "isn't open" in admin.text()  # the same report, already decided
    async with core.uow() as u:
        assert len(await u.safety.open_reports()) == 3
    # A member who isn't an admin can't list them.
    stranger = ChatDriver(core, "zed")
    await stranger.say("/admin reports")
    assert "Open reports" not in stranger.text()


async def test_reporting_twice_from_one_person_is_not_an_alert(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say("/start")
    await apply_as_mentor(core, "meera")
    await _approve_all(core)
    meera = await _uid(core, "meera")
    c = ChatDriver(core, "asha")
    await c.say("/start")
    for _ in range(3):
        await c.send(ActionIn(ViewProfile(meera).pack()))
        await c.press("Report")
        await c.press("Spam")
        await c.say("Sells courses")
    async with core.db.transaction() as s:
        assert len(list(await s.scalars(select(PersonReport)))) == 3
        assert list(await s.scalars(select(Block))) == []
    assert not any("🚨" in r.text for r in inbox.inbox.get("admin", []))


async def test_a_blocked_mentor_is_left_out_of_best_matches(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    core, eng = await _engine(core)
    await apply_as_mentor(core, "anu", skills="Kubernetes: advanced, Docker", price="100")
    await apply_as_mentor(core, "bela", skills="Kubernetes: advanced", price="100")
    await _approve_all(core)
    eng.profiles_written([await _uid(core, "anu"), await _uid(core, "bela")])
    await eng.flush()
    c = ChatDriver(core, "learner")
    await c.say("/start")
    await c.say("/find kubernetes")
    assert "Best matches" in c.text() and "Anu" in c.text() and "Bela" in c.text(), c.text()
    learner, anu = await _uid(core, "learner"), await _uid(core, "anu")
    async with core.uow() as u:
        await u.safety.block(learner, anu)
    await c.say("/find kubernetes")
    assert "Best matches" in c.text() and "Bela" in c.text()
    assert "Anu" not in c.text(), c.text()
    await eng.close()


async def test_a_session_request_carries_block_and_report_about_the_learner(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    """The request is a message with the learner's own words (the topic): the mentor can
    report or block the learner from it, as from a profile or a session."""
    mentor, _learner = await _booked(core, inbox, accept=False)
    request = inbox.inbox["meera"][-1]
    assert "Session request" in request.text
    await mentor.press("Report", [request])
    assert "Why are you reporting *Asha" in mentor.text(), mentor.text()
    await mentor.press("Harassment")
    await mentor.say("Abusive words in the topic")
    assert "is with the admins" in mentor.text()
    asha = await _uid(core, "asha")
    async with core.uow() as u:
        [report] = await u.safety.open_reports()
    assert report.target_user_id == asha and report.category == "harassment"
    await mentor.press("Block", [request])
    await mentor.press("Yes, block")
    assert "1 session(s) booked with them" in mentor.text()
    async with core.db.transaction() as s:
        assert await s.scalar(select(Block)) is not None
