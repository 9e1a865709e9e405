"""Gateway events on every store: concurrent duplicates credit once, state only moves forward."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from core.clock import ManualClock
from core.db.engine import Database
from core.gateway_events import apply_gateway_event
from core.ledger.tables import LedgerTransfer, Payment
from core.services.money import Money
from core.services.payments import GatewayEvent, Payments
from payments.sandbox import SandboxGateway
from tests.money_support import add_user
from tests.support import make_core


async def _payment(store: Database, clock: ManualClock, order: str) -> int:
    payer = await add_user(store, "Payer")
    async with store.transaction() as s:
        pays = Payments(s, clock.now(), [])
        co = await pays.checkout(
            purpose="booking",
            ref_id=3,
            payer_id=payer,
            amount=10000,
            currency="INR",
            description="x",
        )
        await pays.attach_order(co.payment_id, order)
        return co.payment_id


def captured(event_id: str, order: str, pay_id: str = "pay_1") -> GatewayEvent:
    return GatewayEvent(event_id, "captured", pay_id, order, 10000, "INR")


async def test_concurrent_deliveries_credit_once(store: Database) -> None:
    clock = ManualClock()
    core = await make_core(store, clock)
    pid = await _payment(store, clock, "order_c1")
    same_event = [captured("evt_same", "order_c1") for _ in range(3)]
    other_events = [captured(f"evt_{i}", "order_c1") for i in range(3)]
    outcomes = await asyncio.gather(
        *(apply_gateway_event(core.deps, ev) for ev in same_event + other_events)
    )
    assert outcomes.count("captured") == 1
    async with store.transaction() as s:
        assert await s.scalar(select(func.count()).where(LedgerTransfer.kind == "payment")) == 1
        p = await s.get(Payment, pid)
        assert p is not None and p.state == "captured"
        m = Money(s, clock.now(), core.policies, [])
        assert await m.escrowed(3) == {"INR": 10000}
        assert await m.ledger.check_invariants() == []


async def test_failure_then_success_then_late_failure(store: Database) -> None:
    clock = ManualClock()
    core = await make_core(store, clock, gateway=SandboxGateway())
    pid = await _payment(store, clock, "order_c2")
    failed = GatewayEvent("evt_f1", "failed", "pay_a", "order_c2", 10000, "INR", reason="no")
    assert await apply_gateway_event(core.deps, failed) == "failed"
    assert (
        await apply_gateway_event(core.deps, captured("evt_c", "order_c2", "pay_b")) == "captured"
    )
    late = GatewayEvent("evt_f2", "failed", "pay_a", "order_c2", 10000, "INR", reason="no")
    assert await apply_gateway_event(core.deps, late) == "ignored"
    # Money for the wrong amount is never credited.
    pid2 = await _payment(store, clock, "order_c3")
    wrong = GatewayEvent("evt_w", "captured", "pay_w", "order_c3", 9999, "INR")
    assert await apply_gateway_event(core.deps, wrong) == "mismatch"
    async with store.transaction() as s:
        states = {p.id: p.state for p in await s.scalars(select(Payment))}
        assert states == {pid: "captured", pid2: "created"}
        m = Money(s, clock.now(), core.policies, [], core.payments_gateway)
        # The booking's owner decides it's no longer wanted: refund exactly this payment.
        assert await m.refund_payment(pid) == 10000
        assert await m.refund_payment(pid) == 0
        assert await m.ledger.check_invariants() == []


async def test_capture_racing_release_of_the_same_booking(store: Database) -> None:
    clock = ManualClock()
    core = await make_core(store, clock)
    mentor = await add_user(store, "Mentor")
    for round_ in range(3):
        order = f"order_r{round_}"
        pid = await _payment(store, clock, order)

        async def release() -> None:
            async with store.transaction() as s:
                await Money(s, clock.now(), core.policies, []).release_to_mentor(3, mentor, 3000)

        await asyncio.gather(
            apply_gateway_event(core.deps, captured(f"evt_r{round_}", order, f"pay_r{round_}")),
            release(),
            release(),
        )
        async with store.transaction() as s:
            p = await s.get(Payment, pid)
            assert p is not None
            m = Money(s, clock.now(), core.policies, [])
            held = (await m.escrowed(3)).get("INR", 0)
            assert (p.state, held) in (("settled", 0), ("captured", 10000))
            assert await m.ledger.check_invariants() == []
        async with store.transaction() as s:  # settle whatever is left for the next round
            await Money(s, clock.now(), core.policies, []).release_to_mentor(3, mentor, 3000)
