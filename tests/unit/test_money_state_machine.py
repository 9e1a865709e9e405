"""A Hypothesis state machine over the money paths, on a real SQLite file.

Rules: pay (signed webhook through the real processing), duplicate webhook, a late
failure event, hold credits, release to the mentor, refund, withdraw, approve / reject,
and crash-and-retry. After every step: each currency sums to zero, no user wallet is
negative, cached balances equal a recomputation from the transfers.
"""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any, TypeVar

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlalchemy import select

from core.app import CoreApp, Policies
from core.clock import ManualClock
from core.ledger import InsufficientFunds, Ledger, LedgerError
from core.ledger.tables import LedgerAccount, Payment
from core.messaging import Actor
from core.services.identity import Identity
from core.services.money import Money, WithdrawalTooSmall
from payments.events import process_webhook, sign
from payments.sandbox import SandboxGateway
from tests.machine_support import DbMachine

T = TypeVar("T")
SECRET = "whsec_machine"
BOOKINGS = (1, 2, 3, 4)


class Crash(Exception):
    pass


def make_machine(template_path: Path) -> type[RuleBasedStateMachine]:
    class MoneyMachine(DbMachine):
        template = template_path

        def __init__(self) -> None:
            super().__init__()
            self.clock = ManualClock()
            self.policies = Policies(min_withdrawal_minor=5000)
            self.gateway = SandboxGateway()
            self.core = CoreApp.create(
                self.db, self.clock, policies=self.policies, gateway=self.gateway
            )
            self.learners = [self.run(self._user(f"learner{i}")) for i in range(2)]
            self.mentors = [self.run(self._user(f"mentor{i}")) for i in range(2)]
            self.delivered: list[tuple[bytes, str]] = []
            self.payments: list[tuple[int, str]] = []  # (payment id, order id)
            self.withdrawals: list[int] = []
            self.n = 0

        async def _user(self, name: str) -> int:
            async with self.db.transaction() as s:
                user, _ = await Identity(s, self.clock.now(), frozenset()).resolve(
                    Actor("console", "console", name, name)
                )
                return user.id

        def money(self, s: Any) -> Money:
            return Money(s, self.clock.now(), self.policies, [], self.gateway)

        async def snapshot(self) -> dict[str, int]:
            async with self.db.transaction() as s:
                rows = await s.execute(select(LedgerAccount.code, LedgerAccount.balance))
                return {code: bal for code, bal in rows.all()}

        async def _deliver(self, body: bytes, event_id: str) -> str:
            status, text = await process_webhook(
                self.core, body, sign(body, SECRET), event_id, SECRET
            )
            assert status == 200, (status, text)
            return text

        def _event(self, name: str, payment_id: int, order_id: str, status: str) -> bytes:
            self.n += 1
            amount_currency = self.run(self._amount(payment_id))
            entity = {
                "id": f"pay_sm{self.n}",
                "amount": amount_currency[0],
                "currency": amount_currency[1],
                "status": status,
                "order_id": order_id,
                "notes": {"mentorbot_payment_id": str(payment_id)},
            }
            return json.dumps({"event": name, "payload": {"payment": {"entity": entity}}}).encode()

        async def _amount(self, payment_id: int) -> tuple[int, str]:
            async with self.db.transaction() as s:
                p = await s.get(Payment, payment_id)
                assert p is not None
                return p.amount, p.currency

        # -- rules ------------------------------------------------------------------------

        @rule(
            booking=st.sampled_from(BOOKINGS),
            amount=st.sampled_from((100, 9999, 10000, 25001)),
        )
        def pay(self, booking: int, amount: int) -> None:
            async def go() -> tuple[int, str]:
                async with self.core.uow() as u:
                    pays = u.payments
                    co = await pays.checkout(
                        purpose="booking",
                        ref_id=booking,
                        payer_id=self.learners[booking % 2],
                        amount=amount,
                        currency="INR",
                        description=f"booking {booking}",
                    )
                    order = f"order_sm{co.payment_id}"
                    await pays.attach_order(co.payment_id, order)
                    return co.payment_id, order

            pid, order = self.run(go())
            self.payments.append((pid, order))
            body = self._event("payment.captured", pid, order, "captured")
            self.n += 1
            evid = f"evt_sm{self.n}"
            assert self.run(self._deliver(body, evid)) == "captured"
            self.delivered.append((body, evid))

        @rule(i=st.integers(min_value=0, max_value=20))
        def duplicate_webhook(self, i: int) -> None:
            if not self.delivered:
                return
            body, evid = self.delivered[i % len(self.delivered)]
            before = self.run(self.snapshot())
            assert self.run(self._deliver(body, evid)) == "duplicate"
            assert self.run(self.snapshot()) == before

        @rule(i=st.integers(min_value=0, max_value=20))
        def late_failure(self, i: int) -> None:
            if not self.payments:
                return
            pid, order = self.payments[i % len(self.payments)]
            body = self._event("payment.failed", pid, order, "failed")
            self.n += 1
            before = self.run(self.snapshot())
            assert self.run(self._deliver(body, f"evt_sm{self.n}")) == "ignored"
            assert self.run(self.snapshot()) == before

        @rule(booking=st.sampled_from(BOOKINGS))
        def hold_credits(self, booking: int) -> None:
            async def go() -> None:
                async with self.db.transaction() as s:
                    await self.money(s).hold_credits(booking, self.learners[booking % 2])

            with contextlib.suppress(InsufficientFunds):
                self.run(go())

        @rule(booking=st.sampled_from(BOOKINGS), bps=st.sampled_from((0, 3000, 3333, 10000)))
        def release(self, booking: int, bps: int) -> None:
            async def go() -> None:
                async with self.db.transaction() as s:
                    m = self.money(s)
                    held = await m.escrowed(booking)
                    paid = await m.release_to_mentor(booking, self.mentors[booking % 2], bps)
                    assert await m.escrowed(booking) == {}
                    for cur, amount in held.items():
                        assert paid.get(cur, 0) <= amount

            self.run(go())

        @rule(booking=st.sampled_from(BOOKINGS))
        def refund(self, booking: int) -> None:
            async def go() -> None:
                async with self.db.transaction() as s:
                    m = self.money(s)
                    held = await m.escrowed(booking)
                    back = await m.refund_booking(booking)
                    assert back == held
                    assert await m.escrowed(booking) == {}
                    assert await m.refund_booking(booking) == {}

            self.run(go())

        @rule(who=st.sampled_from((0, 1)), amount=st.sampled_from((4999, 5000, 7000, 20000)))
        def withdraw(self, who: int, amount: int) -> None:
            async def go() -> int:
                async with self.db.transaction() as s:
                    w = await self.money(s).request_withdrawal(
                        self.mentors[who], amount, "mentor@upi"
                    )
                    return w.id

            with contextlib.suppress(InsufficientFunds, WithdrawalTooSmall):
                self.withdrawals.append(self.run(go()))

        @rule(i=st.integers(min_value=0, max_value=20), approve=st.booleans())
        def decide_withdrawal(self, i: int, approve: bool) -> None:
            if not self.withdrawals:
                return
            wid = self.withdrawals[i % len(self.withdrawals)]

            async def go() -> None:
                async with self.db.transaction() as s:
                    m = self.money(s)
                    if approve:
                        await m.approve_withdrawal(wid, self.mentors[0])
                    else:
                        await m.reject_withdrawal(wid, self.mentors[0], "no")

            self.run(go())

        @rule(booking=st.sampled_from(BOOKINGS), who=st.sampled_from((0, 1)))
        def crash_and_retry(self, booking: int, who: int) -> None:
            before = self.run(self.snapshot())

            async def crashing() -> None:
                async with self.db.transaction() as s:
                    m = self.money(s)
                    with contextlib.suppress(InsufficientFunds):
                        await m.hold_credits(booking, self.learners[booking % 2])
                    await m.release_to_mentor(booking, self.mentors[booking % 2], 3000)
                    with contextlib.suppress(InsufficientFunds, LedgerError):
                        await m.request_withdrawal(self.mentors[who], 5000, "x@upi")
                    raise Crash

            with contextlib.suppress(Crash):
                self.run(crashing())
            assert self.run(self.snapshot()) == before
            self.release(booking, 3000)  # the retry goes through as if the crash never was

        @invariant()
        def books_balance(self) -> None:
            async def go() -> list[str]:
                async with self.db.transaction() as s:
                    return await Ledger(s, self.clock.now()).check_invariants()

            assert self.run(go()) == []

    return MoneyMachine


def test_money_state_machine(template_db: Path) -> None:
    run_state_machine_as_test(
        make_machine(template_db),
        settings=settings(
            max_examples=20,
            stateful_step_count=12,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            database=None,
        ),
    )
