"""Admin refunds and dispute splits on every backend: the ledger balances, and two identical
refunds racing each other make one refund (PostgreSQL row locks; SQLite one writer)."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from core.clock import ManualClock
from core.db.disputes import AdminRefund
from core.db.engine import Database
from payments.sandbox import SandboxGateway
from tests.admin_support import complete, person, sandbox_pay, session
from tests.money_support import invariants
from tests.support import make_core


async def test_split_then_racing_identical_refunds(store: Database, clock: ManualClock) -> None:
    gw = SandboxGateway()
    core = await make_core(store, clock, admins=["console:admin"], gateway=gw)
    admin = await person(core, "admin")
    disputed = await session(core, sandbox_pay(core))
    async with core.uow() as u:
        d = await u.admin_money.decide(admin, disputed.booking_id, "split", 2500, "late start")
    assert (d.to_learner, d.currency) == (2500, "INR") and 0 < d.to_mentor < 7500
    assert await invariants(store) == []

    held = await session(core, sandbox_pay(core), report=None, hours_ago=3)
    await complete(core, held.booking_id)

    async def refund() -> bool:
        async with core.uow() as u:
            r = await u.admin_money.refund(admin, held.booking_id, 4000, "audio dropped")
            return r.again

    results = await asyncio.wait_for(asyncio.gather(*(refund() for _ in range(4))), 30)
    assert sorted(results) == [False, True, True, True]
    async with store.transaction() as s:
        n = await s.scalar(select(func.count()).where(AdminRefund.booking_id == held.booking_id))
    assert n == 1
    assert sorted(a for _i, _p, a in gw.refunds.values()) == [2500, 4000]
    assert await invariants(store) == []
