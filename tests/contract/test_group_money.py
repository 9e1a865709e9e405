"""Group seats' money on every store: each seat paid through the gateway on its own, one
refunded by the 1:1 policy, the rest paid out per seat at the fee split, or all refunded when
the mentor cancels — and the ledger balanced after each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.app import CoreApp
from core.booking.tables import Booking
from core.clock import ManualClock
from core.db.engine import Database
from core.db.schema import MentorProfile
from core.gateway_events import apply_gateway_event
from core.ledger import Ledger, platform, wallet
from core.ledger.ledger import Acct
from core.ledger.tables import Payment
from core.services.money import split_fee
from core.services.payments import GatewayEvent
from core.uow import unit_of_work
from payments.sandbox import SandboxGateway
from tests.booking_support import add_mentor, add_user
from tests.money_support import invariants
from tests.support import make_core

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
START = NOW + timedelta(days=1)
SEAT = 20000


async def _people(store: Database, learners: int) -> tuple[int, list[int]]:
    async with store.transaction() as s:
        mentor = await add_mentor(s, "Mentor", NOW, price_mode="paid", price_minor=50000)
        people = [await add_user(s, f"L{i}", NOW) for i in range(learners)]
    return mentor, people


async def _paid_seats(
    store: Database, learners: int
) -> tuple[CoreApp, ManualClock, int, int, list[int]]:
    clock = ManualClock(NOW)
    core = await make_core(store, clock, gateway=SandboxGateway())
    mentor, people = await _people(store, learners)
    async with unit_of_work(core.deps) as u:
        g = await u.bookings.offer_group(
            mentor, START, 60, 6, price_mode="paid", amount_minor=SEAT, topic="SQL"
        )
        group_id = g.id
    seats = []
    for i, lid in enumerate(people):
        async with unit_of_work(core.deps) as u:
            b = await u.bookings.book_seat(group_id, lid)
            assert (b.status, b.pay_state) == ("accepted", "pending")
            co = await u.payments.checkout(
                purpose="booking",
                ref_id=b.id,
                payer_id=lid,
                amount=b.amount_minor,
                currency=b.currency,
                description="seat",
            )
            await u.payments.attach_order(co.payment_id, f"order_g{i}")
            seats.append(b.id)
        ev = GatewayEvent(f"evt_g{i}", "captured", f"pay_g{i}", f"order_g{i}", SEAT, "INR")
        assert await apply_gateway_event(core.deps, ev) == "captured"
    async with store.transaction() as s:
        states = [(b.status, b.pay_state) for b in await s.scalars(select(Booking))]
    assert states == [("confirmed", "paid")] * learners
    return core, clock, mentor, group_id, seats


async def _balance(store: Database, account: Acct) -> int:
    async with store.transaction() as s:
        return await Ledger(s, NOW).balance(account)


async def test_seats_paid_one_refunded_rest_paid_out_per_seat(store: Database) -> None:
    core, clock, mentor, _group, seats = await _paid_seats(store, 3)
    assert await invariants(store) == []
    # One learner cancels a day ahead: a full refund through the gateway, as for 1:1.
    async with unit_of_work(core.deps) as u:
        b = await u.bookings.get(seats[0])
        assert b is not None
        quote = await u.bookings.cancel(seats[0], b.learner_id, "can't come")
        assert quote.refund_minor == SEAT
    async with store.transaction() as s:
        refunded = list(await s.scalars(select(Payment).where(Payment.state == "refunded")))
    assert [p.ref_id for p in refunded] == [seats[0]]
    assert await invariants(store) == []
    # The session ends: each remaining seat pays the mentor 70 %, the platform 30 %.
    clock.advance(timedelta(days=1, hours=2))
    async with unit_of_work(core.deps) as u:
        assert await u.bookings.complete_due() == 2
    share, fee = split_fee(SEAT, 3000)
    assert (share, fee) == (14000, 6000)
    assert await _balance(store, wallet(mentor, "INR")) == 2 * share
    assert await _balance(store, platform("platform_revenue", "INR")) == 2 * fee
    assert await _balance(store, platform("escrow", "INR")) == 0
    assert await invariants(store) == []
    async with store.transaction() as s:
        mp = await s.get(MentorProfile, mentor)
        assert mp is not None and mp.sessions_completed == 1  # one group, taught once


async def test_mentor_cancel_refunds_every_seat(store: Database) -> None:
    core, _clock, mentor, group_id, seats = await _paid_seats(store, 4)
    async with unit_of_work(core.deps) as u:
        assert await u.bookings.cancel_group(group_id, mentor, "ill") == 4
    async with store.transaction() as s:
        states = {p.ref_id: p.state for p in await s.scalars(select(Payment))}
        bookings = list(await s.scalars(select(Booking)))
    assert states == dict.fromkeys(seats, "refunded")
    assert {(b.status, b.cancelled_by) for b in bookings} == {("cancelled", mentor)}
    assert await _balance(store, platform("escrow", "INR")) == 0
    assert await _balance(store, wallet(mentor, "INR")) == 0
    assert await invariants(store) == []


async def test_credit_seats_hold_and_return_credits(store: Database) -> None:
    clock = ManualClock(NOW)
    core = await make_core(store, clock)
    mentor, (a, b) = await _people(store, 2)
    async with unit_of_work(core.deps) as u:
        await u.money.grant_starter_credits(a)
        g = await u.bookings.offer_group(mentor, START, 30, 2, price_mode="credits")
        seat = await u.bookings.book_seat(g.id, a)
        assert seat.status == "confirmed"
    async with unit_of_work(core.deps) as u:
        try:
            await u.bookings.book_seat(g.id, b)
        except Exception as exc:
            assert "credits" in str(exc)
        else:
            raise AssertionError("a seat without credits")
    assert await _balance(store, wallet(a, "CREDIT")) == 1
    async with unit_of_work(core.deps) as u:
        await u.bookings.cancel_group(g.id, mentor)
    assert await _balance(store, wallet(a, "CREDIT")) == 2
    assert await invariants(store) == []
