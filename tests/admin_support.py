"""Sessions with money for admin tests: a paid (or credit) booking, captured through the
gateway the core has (sandbox or the Razorpay fake), optionally reported."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from core.app import CoreApp
from core.booking.tables import Booking
from core.db.schema import Account, MentorProfile
from core.gateway_events import apply_gateway_event
from core.ledger import Ledger, wallet
from core.messaging import Actor
from core.services.payments import GatewayEvent

_events = itertools.count(1)


@dataclass(frozen=True)
class Session:
    booking_id: int
    mentor_id: int
    learner_id: int
    payment_id: int | None  # ours
    gateway_payment_id: str | None


async def person(core: CoreApp, name: str, platform: str = "console") -> int:
    async with core.uow() as u:
        user, _acc = await u.identity.resolve(
            Actor(platform, platform, name, name.capitalize())  # type: ignore[arg-type]
        )
        user.onboarded = True
        return user.id


async def session(
    core: CoreApp,
    pay: Callable[[str, int], str] | None = None,
    *,
    amount: int = 10000,
    credits: bool = False,
    report: str | None = "The mentor never showed up",
    hours_ago: int = 1,
) -> Session:
    return await _session(core, pay, amount=amount, credits=credits, report=report, ago=hours_ago)


async def _session(
    core: CoreApp,
    pay: Callable[[str, int], str] | None,
    *,
    amount: int,
    credits: bool,
    report: str | None,
    ago: int,
) -> Session:
    """Meera mentors Asha, an hour ago, paid `amount` paise (or 1 credit), reported by Asha
    with `report` (None: left confirmed). `pay(order_id, amount)` makes the gateway
    payment and returns its id (the sandbox's attempt or the Razorpay fake's customer)."""
    mentor = await person(core, "meera")
    learner = await person(core, "asha")
    now = core.deps.clock.now()
    async with core.uow() as u:
        if await u.session.get(MentorProfile, mentor) is None:
            u.session.add(
                MentorProfile(
                    user_id=mentor,
                    headline="Python",
                    status="approved",
                    price_mode="credits" if credits else "paid",
                    price_minor=0 if credits else amount,
                    session_lengths=[30],
                )
            )
        b = Booking(
            mentor_id=mentor,
            learner_id=learner,
            starts_at=now - timedelta(hours=ago),
            ends_at=now - timedelta(hours=ago) + timedelta(minutes=30),
            length_min=30,
            topic="Decorators",
            status="confirmed",
            price_mode="credits" if credits else "paid",
            amount_minor=1 if credits else amount,
            currency="CREDIT" if credits else "INR",
            pay_state="none" if credits else "pending",
            respond_by=now,
            created_at=now - timedelta(days=1),
        )
        u.session.add(b)
        await u.session.flush()
        booking_id = b.id
        payment_id = None
        if credits:
            await u.money.hold_credits(booking_id, learner, 1)
        else:
            co = await u.payments.checkout(
                purpose="booking",
                ref_id=booking_id,
                payer_id=learner,
                amount=amount,
                currency="INR",
                description="Session",
            )
            payment_id = co.payment_id
    gateway_payment_id = None
    if not credits:
        gw = core.deps.gateway
        assert gw is not None and pay is not None
        order = await gw.create_order(amount=amount, currency="INR", receipt="r", notes={})
        async with core.uow() as u:
            assert payment_id is not None
            await u.payments.attach_order(payment_id, order)
        gateway_payment_id = pay(order, amount)
        ev = GatewayEvent(
            f"evt_adm{next(_events)}", "captured", gateway_payment_id, order, amount, "INR"
        )
        assert await apply_gateway_event(core.deps, ev) == "captured"
    if report is not None:
        async with core.uow() as u:
            await u.bookings.report_problem(booking_id, learner, report)
    return Session(booking_id, mentor, learner, payment_id, gateway_payment_id)


async def status_of(core: CoreApp, booking_id: int) -> str:
    async with core.db.transaction() as s:
        b = await s.get(Booking, booking_id)
        assert b is not None
        return b.status


async def balance(core: CoreApp, user_id: int, currency: str = "INR") -> int:
    async with core.db.transaction() as s:
        return await Ledger(s, core.deps.clock.now()).balance(wallet(user_id, currency))


async def account_id(core: CoreApp, name: str) -> int:
    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == name))
        assert acc is not None
        return acc.user_id


def sandbox_pay(core: CoreApp) -> Callable[[str, int], str]:
    """Pay an order at the core's sandbox gateway (its page's Pay button)."""
    from payments.sandbox import SandboxGateway

    gw = core.deps.gateway
    assert isinstance(gw, SandboxGateway)

    def pay(order: str, amount: int) -> str:
        return gw.attempt(order, amount, "INR", success=True).payment_id

    return pay


async def complete(core: CoreApp, booking_id: int) -> None:
    """The session was held: completed, the mentor paid (as after a call)."""
    async with core.uow() as u:
        b = await u.bookings.get(booking_id)
        assert b is not None
        assert await u.bookings._complete(b) == 1
