"""At-least-once inbound deliveries are acted on once, on every store."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.db.engine import Database
from core.db.inbound import ProcessedEvent, first_seen, forget_before

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def test_first_seen_once_per_source(store: Database) -> None:
    async with store.transaction() as s:
        assert await first_seen(s, "telegram", "1001", NOW)
        assert not await first_seen(s, "telegram", "1001", NOW)
        assert await first_seen(s, "slack:T1", "1001", NOW)
    async with store.transaction() as s:
        assert not await first_seen(s, "telegram", "1001", NOW)


async def test_rolled_back_work_can_be_retried(store: Database) -> None:
    class Boom(Exception):
        pass

    try:
        async with store.transaction() as s:
            assert await first_seen(s, "razorpay", "evt_1", NOW)
            raise Boom
    except Boom:
        pass
    async with store.transaction() as s:
        assert await first_seen(s, "razorpay", "evt_1", NOW)


async def test_concurrent_deliveries_race_to_one(store: Database) -> None:
    async def deliver() -> bool:
        async with store.transaction() as s:
            return await first_seen(s, "telegram", "race", NOW)

    results = await asyncio.gather(*(deliver() for _ in range(6)))
    assert sorted(results) == [False] * 5 + [True]


async def test_old_records_are_forgotten(store: Database) -> None:
    async with store.transaction() as s:
        await first_seen(s, "telegram", "old", NOW - timedelta(days=10))
        await first_seen(s, "telegram", "new", NOW)
        assert await forget_before(s, NOW - timedelta(days=7)) == 1
        assert await s.scalar(select(func.count()).select_from(ProcessedEvent)) == 1
