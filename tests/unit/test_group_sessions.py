"""Group sessions through the dialogs: a mentor offers one with /group, a learner finds it on
the mentor's profile, takes a seat and pays, and the mentor's cancel refunds the seat."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.booking.payloads import Bk
from core.booking.tables import Booking
from core.clock import ManualClock
from core.db.engine import Database
from core.db.schema import MentorProfile
from core.gateway_events import apply_gateway_event
from core.ledger.tables import Payment
from core.messaging import ActionIn, LinkButton
from core.services.payments import GatewayEvent
from core.uow import unit_of_work
from payments.sandbox import SandboxGateway
from tests.support import ChatDriver, make_core
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_onboarding import onboard_learner


async def _mentor(core: CoreApp) -> ChatDriver:
    c = await apply_as_mentor(core, "meera", skills="Python: advanced", price="100")
    async with core.db.transaction() as s:
        for mp in await s.scalars(select(MentorProfile)):
            mp.status = "approved"
    return c


async def _offer(m: ChatDriver) -> None:
    await m.say("/group new")
    assert "When does the group session start?" in m.text()
    await m.say("next week")
    assert "Say the day and the time" in m.text()
    await m.say("tomorrow 18:30")
    await m.press("60 min")
    await m.press("3")
    assert "The price per seat?" in m.text()
    await m.say("two hundred")
    assert "Tap a price or type an amount" in m.text()
    await m.say("200")
    await m.say("Pandas, from CSV to charts")
    assert "Tue 24 Nov, 18:30 (Asia/Kolkata), 60 min" in m.text(), m.text()
    assert "3 seats, ₹200 per seat" in m.text()
    await m.press("Open it")
    assert "Group session #1 is open" in m.text()


async def _pay(core: CoreApp, booking_id: int, n: int) -> None:
    async with unit_of_work(core.deps) as u:
        p = await u.session.scalar(
            select(Payment).where(Payment.purpose == "booking", Payment.ref_id == booking_id)
        )
        assert p is not None
        await u.payments.attach_order(p.id, f"order_{n}")
        amount = p.amount
    ev = GatewayEvent(f"evt_{n}", "captured", f"pay_{n}", f"order_{n}", amount, "INR")
    assert await apply_gateway_event(core.deps, ev) == "captured"


async def test_offer_take_a_paid_seat_and_the_mentor_cancels(db: Database) -> None:
    core = await make_core(db, ManualClock(), gateway=SandboxGateway())
    m = await _mentor(core)
    await _offer(m)
    learner = await onboard_learner(core)
    await learner.say("/find python")
    await learner.press("Meera")
    assert "1 open group session" in learner.text()
    await learner.press("Group sessions (1)")
    assert "Pandas, from CSV to charts" in learner.text()
    assert "₹200 per seat, 3 of 3 seats left" in learner.text()
    replies = await learner.press("Take a seat in #1")
    assert "Seat held for you" in learner.text()
    assert any(isinstance(b, LinkButton) for r in replies for b in r.all_buttons())
    # The same learner can't take a second seat.
    await learner.say("/group")
    await learner.press("Take a seat in #1")
    assert "You already have a seat" in learner.text()
    async with db.transaction() as s:
        seat = await s.scalar(select(Booking))
        assert seat is not None and (seat.status, seat.pay_state) == ("accepted", "pending")
    await _pay(core, seat.id, 1)
    await learner.say("/sessions")
    assert "Pandas" in learner.text()
    await learner.say("/group")
    assert "2 of 3 seats left" in learner.text()
    # The mentor sees their session and calls it off: the seat is refunded in full.
    await m.say("/group")
    assert "Your group sessions" in m.text()
    await m.press("Cancel #1")
    assert "refunded in full" in m.text()
    await m.press("Yes, cancel it")
    assert "1 seats refunded in full" in m.text()
    async with db.transaction() as s:
        p = await s.scalar(select(Payment))
        b = await s.get(Booking, seat.id)
    assert p is not None and p.state == "refunded"
    assert b is not None and b.status == "cancelled"
    await learner.say("/group")
    assert "no open group sessions" in learner.text()


async def test_only_mentors_offer_and_a_full_group_says_so(core: CoreApp) -> None:
    learner = await onboard_learner(core)
    await learner.say("/group new")
    assert "for approved mentors" in learner.text()
    m = await _mentor(core)
    await m.say("/group new")
    await m.say("tomorrow 18:30")
    await m.press("30 min")
    await m.press("2")
    await m.press("Free")
    await m.say("Office hours for beginners")
    await m.press("Open it")
    others = [ChatDriver(core, f"l{i}") for i in range(3)]
    for c in others[:2]:
        await c.say("/group")
        await c.press("Take a seat")
        assert "You have a seat" in c.text(), c.text()
    replies = await others[2].say("/group")
    assert "0 of 2 seats left" in others[2].text()
    assert not [b for r in replies for b in r.all_buttons()]


async def test_sessions_offers_cancel_but_no_reschedule_for_a_seat(core: CoreApp) -> None:
    """Moving a seat is refused (its start is the group's), so /sessions doesn't offer it;
    a 1:1 booking of the same learner keeps its Reschedule button."""
    m = await _mentor(core)
    await m.say("/group new")
    await m.say("tomorrow 18:30")
    await m.press("30 min")
    await m.press("2")
    await m.press("Free")
    await m.say("Office hours for beginners")
    await m.press("Open it")
    learner = await onboard_learner(core)
    await learner.say("/group")
    await learner.press("Take a seat")
    assert "You have a seat" in learner.text(), learner.text()
    replies = await learner.say("/sessions")
    (seat,) = [r for r in replies if "Office hours for beginners" in r.text]
    labels = [b.label for b in seat.all_buttons()]
    assert "Cancel" in labels
    assert not [x for x in labels if "Reschedule" in x or "Move" in x], labels
    # The refusal still stands for an old button pressed anyway.
    async with core.db.transaction() as s:
        b = await s.scalar(select(Booking).where(Booking.group_id.is_not(None)))
    assert b is not None
    await learner.send(ActionIn(Bk("resched", b.id).pack()))
    assert "can't be moved" in learner.text(), learner.text()
    # The booking is still there, unmoved, and Cancel works.
    await learner.press("Cancel", [seat])
    assert "Cancel session" in learner.text(), learner.text()
