"""A paid request reaches the mentor only once the learner's payment has arrived (issue #22
item 3): a failed payment never bothers them, a payment after the hold ended is refunded,
and free or credit bookings go to the mentor at once, as before."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from sqlalchemy import select

from core.app import CoreApp
from core.booking.lifecycle import PAY_WITHIN
from core.booking.service import BookingError
from core.booking.tables import Booking
from core.clock import ManualClock
from core.gateway_events import apply_gateway_event
from core.ledger.tables import Payment
from core.services.payments import GatewayEvent
from core.timezones import zone
from payments.sandbox import SandboxGateway
from tests.support import ChatDriver, RecordingChannel, rebuilt
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_booking import _approve
from tests.unit.test_onboarding import onboard_learner


async def _request(learner: ChatDriver, topic: str = "Decorators confuse me") -> None:
    await learner.say("/find python")
    await learner.press("Meera")
    await learner.press("Book a session")
    await learner.press("10 min")
    await learner.press("Mon 23 Nov")
    await learner.press("18:00")
    await learner.say(topic)
    await learner.press("Send request")


async def _booking(core: CoreApp) -> Booking:
    async with core.db.transaction() as s:
        b = await s.scalar(select(Booking).order_by(Booking.id.desc()))
        assert b is not None
        s.expunge(b)
        return b


async def _gateway_says(core: CoreApp, booking_id: int, kind: str, n: int) -> str:
    """The gateway's webhook about this booking's checkout (the order made on first view)."""
    async with core.uow() as u:
        p = await u.session.scalar(
            select(Payment).where(Payment.ref_id == booking_id).order_by(Payment.id.desc())
        )
        assert p is not None
        order = await u.payments.attach_order(p.id, f"order_unpaid{p.id}")
        amount, currency = p.amount, p.currency
    ev = GatewayEvent(
        f"evt_unpaid{booking_id}_{n}",
        kind,
        f"pay_unpaid{booking_id}_{n}",
        order,
        amount,
        currency,
        reason="Card declined" if kind == "failed" else "",
    )
    return await apply_gateway_event(core.deps, ev)


def _requests(inbox: RecordingChannel, name: str) -> list[str]:
    return [r.text for r in inbox.inbox.get(name, []) if "Session request" in r.text]


async def _paid_setup(core: CoreApp) -> tuple[ChatDriver, ChatDriver]:
    mentor = await apply_as_mentor(core, "meera", price="100")
    await _approve(core)
    learner = await onboard_learner(core, "asha")
    return mentor, learner


async def test_the_mentor_hears_of_a_paid_request_only_once_it_is_paid(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    mentor, learner = await _paid_setup(core)
    await _request(learner)
    text = learner.text()
    assert "goes to them as soon as your payment arrives" in text
    assert "Request sent" not in text and "Pay ₹100" in str(learner.last[-1].all_buttons())
    b = await _booking(core)
    assert b.pay_state == "pending"
    # An unpaid request holds the slot only while the learner pays.
    assert b.respond_by.replace(tzinfo=UTC) == clock.now() + PAY_WITHIN
    assert _requests(inbox, "meera") == []
    # Nothing for the mentor to act on: not in their list, and a decision is refused.
    await mentor.say("/sessions")
    assert f"#{b.id}" not in mentor.text()
    async with core.uow() as u:
        with pytest.raises(BookingError, match="waiting for the learner's payment"):
            await u.bookings.accept(b.id, b.mentor_id)
    async with core.uow() as u:
        with pytest.raises(BookingError, match="waiting for the learner's payment"):
            await u.bookings.decline(b.id, b.mentor_id)
    await learner.say("/sessions")
    pay_by = (clock.now() + PAY_WITHIN).astimezone(zone("Asia/Kolkata")).strftime("%H:%M")
    assert f"waiting for your payment: pay by Mon 23 Nov, {pay_by}" in learner.text()

    # The card is declined: the learner is told, the mentor still hears nothing.
    assert await _gateway_says(core, b.id, "failed", 1) == "failed"
    assert "didn't go through" in inbox.inbox["asha"][-1].text
    assert _requests(inbox, "meera") == []

    # Twenty minutes later the retry goes through: now the mentor gets the request, with
    # their full time to answer, and the learner is told it's with them.
    clock.advance(timedelta(minutes=20))
    assert await _gateway_says(core, b.id, "captured", 2) == "captured"
    [request] = _requests(inbox, "meera")
    assert "Decorators confuse me" in request and "₹100" in request
    paid = [r.text for r in inbox.inbox["asha"] if "Payment received" in r.text]
    assert paid and "Your request is now with *Meera" in paid[-1]
    after = await _booking(core)
    assert after.pay_state == "paid" and after.status == "requested"
    assert after.respond_by > b.respond_by + timedelta(hours=1)
    await mentor.press("Accept", [inbox.inbox["meera"][-1]])
    assert "Confirmed" in inbox.inbox["asha"][-1].text
    assert (await _booking(core)).status == "confirmed"


async def test_an_unpaid_request_ends_quietly_and_a_late_payment_is_refunded(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    gateway = SandboxGateway()
    core = rebuilt(core, gateway=gateway)
    _mentor, learner = await _paid_setup(core)
    await _request(learner)
    b = await _booking(core)
    clock.advance(b.respond_by - clock.now() + timedelta(minutes=1))
    await core.tick()
    assert (await _booking(core)).status == "expired"
    ended = inbox.inbox["asha"][-1].text
    assert "payment didn't arrive in time" in ended and "nothing was charged" in ended
    # The mentor never saw the request, so they aren't told it expired either.
    assert inbox.inbox.get("meera", []) == [] or all(
        f"#{b.id}" not in r.text for r in inbox.inbox["meera"]
    )

    assert await _gateway_says(core, b.id, "captured", 1) == "captured"
    late = inbox.inbox["asha"][-1].text
    assert "arrived after the request had ended (expired)" in late and "₹100" in late
    assert len(gateway.refunds) == 1
    assert _requests(inbox, "meera") == []


async def test_a_learner_who_cancels_before_paying_leaves_the_mentor_alone(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    _mentor, learner = await _paid_setup(core)
    await _request(learner)
    b = await _booking(core)
    await learner.say("/sessions")
    await learner.press("Cancel")
    assert "Nothing has been paid yet" in learner.text()
    await learner.press("Yes, cancel it")
    assert "is cancelled" in learner.text()
    assert all(f"#{b.id}" not in r.text for r in inbox.inbox.get("meera", []))


@pytest.mark.parametrize("price", ["free", "credits"])
async def test_free_and_credit_requests_reach_the_mentor_at_once(
    core: CoreApp, inbox: RecordingChannel, price: str
) -> None:
    await apply_as_mentor(core, "meera", price=price)
    await _approve(core)
    learner = await onboard_learner(core, "asha")
    await _request(learner)
    assert "Request sent to *Meera" in learner.text()
    assert "payment" not in learner.text()
    [request] = _requests(inbox, "meera")
    assert "Decorators confuse me" in request
