"""A Hypothesis state machine over whole bookings with money, on a real SQLite file.

Rules: book (paid or credits), pay through the signed webhook path, a duplicate webhook,
accept, decline, cancel (either side), time passing (expiry, reminders, completion) and
crash-and-retry. After every step: the ledger balances (each currency sums to zero, no
wallet negative, cached = recomputed), no person holds two overlapping active bookings,
and a booking that has ended keeps nothing in escrow.
"""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import func, select

from core.app import CoreApp
from core.booking.service import BookingError, Bookings
from core.booking.tables import ACTIVE, Booking
from core.clock import ManualClock
from core.ledger import Ledger
from core.messaging import Actor
from core.policies import Policies
from core.services.identity import Identity
from core.services.money import Money
from payments.events import process_webhook, sign
from payments.sandbox import SandboxGateway
from tests.booking_support import add_mentor
from tests.machine_support import DbMachine

T = TypeVar("T")
SECRET = "whsec_booking_machine"
START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday, 11:30 in Kolkata


class Crash(Exception):
    pass


def make_machine(template_path: Path) -> type[RuleBasedStateMachine]:
    class BookingMachine(DbMachine):
        template = template_path

        def __init__(self) -> None:
            super().__init__()
            self.clock = ManualClock(START)
            self.core = CoreApp.create(
                self.db, self.clock, policies=Policies(), gateway=SandboxGateway()
            )
            self.learners = [self.run(self._learner(f"learner{i}")) for i in range(2)]
            self.mentors = [
                self.run(self._mentor("Paid", "paid", 10000)),
                self.run(self._mentor("Credits", "credits", 0)),
            ]
            self.bookings: list[int] = []
            self.delivered: list[tuple[bytes, str]] = []
            self.n = 0

        async def _learner(self, name: str) -> int:
            async with self.db.transaction() as s:
                identity = Identity(
                    s,
                    self.clock.now(),
                    frozenset(),
                    starter_credits=self.core.policies.starter_credits,
                )
                user, _ = await identity.resolve(Actor("console", "console", name, name))
                user.timezone = "Asia/Kolkata"
                return user.id

        async def _mentor(self, name: str, mode: str, price: int) -> int:
            async with self.db.transaction() as s:
                return await add_mentor(
                    s, name, self.clock.now(), price_mode=mode, price_minor=price, lengths=(10, 20)
                )

        async def _in_tx(self, fn: object) -> object:
            async with self.core.uow() as u:
                return await fn(u.bookings)  # type: ignore[operator]

        def _count_active(self) -> int:
            async def go() -> int:
                async with self.db.transaction() as s:
                    q = select(func.count()).select_from(Booking).where(Booking.status.in_(ACTIVE))
                    return int(await s.scalar(q) or 0)

            return self.run(go())

        def _booking(self, i: int, *statuses: str, pending_pay: bool = False) -> int | None:
            """The i-th known booking among those in the given statuses (any when none)."""

            async def go() -> list[int]:
                async with self.db.transaction() as s:
                    q = select(Booking.id).order_by(Booking.id)
                    if statuses:
                        q = q.where(Booking.status.in_(statuses))
                    if pending_pay:
                        q = q.where(Booking.pay_state == "pending")
                    return list(await s.scalars(q))

            ids = self.run(go())
            return ids[i % len(ids)] if ids else None

        # -- rules --------------------------------------------------------------------------

        @rule(
            learner=st.sampled_from((0, 1)),
            mentor=st.sampled_from((0, 1)),
            pick=st.integers(min_value=0, max_value=3),
            length=st.sampled_from((10, 20)),
        )
        def book(self, learner: int, mentor: int, pick: int, length: int) -> None:
            # A few open bookings at a time, so the other rules get to act on them.
            if self._count_active() >= 3:
                return

            async def go(svc: Bookings) -> int | None:
                offer = await svc.offering(self.mentors[mentor])
                assert offer is not None
                free = await svc.free_slots(offer, self.learners[learner], length)
                if not free:
                    return None
                b = await svc.request(
                    self.learners[learner], offer, free[min(pick, len(free) - 1)], length, "t"
                )
                return b.id

            with contextlib.suppress(BookingError):
                bid = self.run(self._in_tx(go))
                if isinstance(bid, int):
                    self.bookings.append(bid)

        @rule(i=st.integers(min_value=0, max_value=30))
        def pay(self, i: int) -> None:
            bid = self._booking(i, *ACTIVE, pending_pay=True)
            if bid is None:
                return

            async def checkout() -> tuple[int, str, int] | None:
                async with self.core.uow() as u:
                    b = await u.session.get(Booking, bid)
                    if b is None or b.pay_state != "pending":
                        return None
                    pays = u.payments
                    co = await pays.checkout(
                        purpose="booking",
                        ref_id=b.id,
                        payer_id=b.learner_id,
                        amount=b.amount_minor,
                        currency=b.currency,
                        description=f"session {b.id}",
                    )
                    order = f"order_bsm{co.payment_id}"
                    await pays.attach_order(co.payment_id, order)
                    return co.payment_id, order, b.amount_minor

            got = self.run(checkout())
            if got is None:
                return
            pid, order, amount = got
            self.n += 1
            entity = {
                "id": f"pay_bsm{self.n}",
                "amount": amount,
                "currency": "INR",
                "status": "captured",
                "order_id": order,
                "notes": {"mentorbot_payment_id": str(pid)},
            }
            body = json.dumps(
                {"event": "payment.captured", "payload": {"payment": {"entity": entity}}}
            ).encode()
            evid = f"evt_bsm{self.n}"
            status, _ = self.run(process_webhook(self.core, body, sign(body, SECRET), evid, SECRET))
            assert status == 200
            self.delivered.append((body, evid))

        @rule(i=st.integers(min_value=0, max_value=30))
        def duplicate_webhook(self, i: int) -> None:
            if not self.delivered:
                return
            body, evid = self.delivered[i % len(self.delivered)]
            status, _ = self.run(process_webhook(self.core, body, sign(body, SECRET), evid, SECRET))
            assert status == 200

        @rule(
            i=st.integers(min_value=0, max_value=30),
            accept=st.sampled_from((True, True, True, False)),
        )
        def decide(self, i: int, accept: bool) -> None:
            bid = self._booking(i, "requested")
            if bid is None:
                return

            async def go(svc: Bookings) -> None:
                b = await svc.get(bid)
                assert b is not None
                if accept:
                    await svc.accept(bid, b.mentor_id)
                else:
                    await svc.decline(bid, b.mentor_id)

            with contextlib.suppress(BookingError):
                self.run(self._in_tx(go))

        @rule(i=st.integers(min_value=0, max_value=30), by_mentor=st.booleans())
        def cancel(self, i: int, by_mentor: bool) -> None:
            bid = self._booking(i, *ACTIVE)
            if bid is None:
                return

            async def go(svc: Bookings) -> None:
                b = await svc.get(bid)
                assert b is not None
                await svc.cancel(bid, b.mentor_id if by_mentor else b.learner_id)

            with contextlib.suppress(BookingError):
                self.run(self._in_tx(go))

        @rule(minutes=st.sampled_from((20, 90, 240, 720, 3 * 24 * 60)))
        def time_passes(self, minutes: int) -> None:
            self.clock.advance(timedelta(minutes=minutes))
            self.run(self.core.tick())

        @rule(learner=st.sampled_from((0, 1)))
        def crash_and_retry(self, learner: int) -> None:
            async def count() -> int:
                async with self.db.transaction() as s:
                    return int(await s.scalar(select(func.count()).select_from(Booking)) or 0)

            before = self.run(count())

            async def go(svc: Bookings) -> None:
                offer = await svc.offering(self.mentors[1])
                assert offer is not None
                free = await svc.free_slots(offer, self.learners[learner], 10)
                if free:
                    with contextlib.suppress(BookingError):
                        await svc.request(self.learners[learner], offer, free[0], 10, "crash")
                raise Crash

            with contextlib.suppress(Crash):
                self.run(self._in_tx(go))
            assert self.run(count()) == before
            self.book(learner, 1, 0, 10)

        # -- invariants ---------------------------------------------------------------------

        @invariant()
        def ledger_balances(self) -> None:
            async def go() -> list[str]:
                async with self.db.transaction() as s:
                    return await Ledger(s, self.clock.now()).check_invariants()

            assert self.run(go()) == []

        @invariant()
        def nobody_double_booked(self) -> None:
            async def go() -> list[Booking]:
                async with self.db.transaction() as s:
                    return list(await s.scalars(select(Booking).where(Booking.status.in_(ACTIVE))))

            active = self.run(go())
            for i, a in enumerate(active):
                for b in active[i + 1 :]:
                    shared = {a.mentor_id, a.learner_id} & {b.mentor_id, b.learner_id}
                    if shared:
                        assert not (a.starts_at < b.ends_at and b.starts_at < a.ends_at)

        @invariant()
        def ended_bookings_hold_nothing(self) -> None:
            async def go() -> list[tuple[int, dict[str, int]]]:
                async with self.db.transaction() as s:
                    ended = await s.scalars(
                        select(Booking.id).where(
                            Booking.status.in_(["declined", "expired", "cancelled", "completed"])
                        )
                    )
                    money = Money(s, self.clock.now(), self.core.policies, [])
                    return [(bid, await money.escrowed(bid)) for bid in ended]

            for bid, held in self.run(go()):
                assert not any(held.values()), (bid, held)

    return BookingMachine


def test_booking_state_machine(template_db: Path) -> None:
    run_state_machine_as_test(
        make_machine(template_db),
        settings=settings(
            max_examples=15,
            stateful_step_count=25,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
