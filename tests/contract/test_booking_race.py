"""No double booking, enforced by the database: 200 concurrent attempts, one winner."""

from __future__ import annotations

import asyncio
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.booking.service import BookingError, Bookings, SlotTaken
from core.booking.tables import ACTIVE, Booking
from core.db.engine import Database
from core.events import Event
from core.policies import Policies
from tests.booking_support import add_mentor, add_user

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # 11:30 in Kolkata
POLICIES = Policies()
ATTEMPTS = 200


async def _setup(store: Database, learners: int) -> tuple[int, list[int]]:
    async with store.transaction() as s:
        mentor = await add_mentor(s, "Mentor", NOW)
        people = [await add_user(s, f"L{i}", NOW) for i in range(learners)]
    return mentor, people


async def _attempt(store: Database, learner: int, mentor: int, at: datetime, length: int) -> str:
    for _ in range(20):  # bounded: SQLite may report "locked" under this much contention
        try:
            async with store.transaction() as s:
                events: list[Event] = []
                svc = Bookings(s, NOW, POLICIES, events)
                offer = await svc.offering(mentor)
                assert offer is not None
                await svc.request(learner, offer, at, length, "race")
                return "ok"
        except SlotTaken:
            return "taken"
        except BookingError as exc:
            return str(exc)
        except Exception as exc:
            if "locked" not in str(exc):
                raise
            await asyncio.sleep(0.01)
    return "gave up"


def _overlaps(a: Booking, b: Booking, pad: timedelta) -> bool:
    return a.starts_at < b.ends_at + pad and b.starts_at < a.ends_at + pad


async def test_one_slot_200_attempts_one_winner(store: Database) -> None:
    mentor, learners = await _setup(store, ATTEMPTS)
    slot = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)  # 18:30 Kolkata
    results = await asyncio.gather(*(_attempt(store, lid, mentor, slot, 10) for lid in learners))
    assert results.count("ok") == 1, sorted(set(results))
    assert results.count("taken") == ATTEMPTS - 1
    async with store.transaction() as s:
        active = list(await s.scalars(select(Booking).where(Booking.status.in_(ACTIVE))))
    assert len(active) == 1


async def test_overlapping_lengths_never_overlap(store: Database) -> None:
    mentor, learners = await _setup(store, ATTEMPTS)
    rng = random.Random(3)
    base = datetime(2026, 11, 23, 12, 30, tzinfo=UTC)  # 18:00 Kolkata
    tries = [
        (lid, base + timedelta(minutes=rng.choice((0, 30, 60))), rng.choice((10, 20, 30)))
        for lid in learners
    ]
    results = await asyncio.gather(*(_attempt(store, lid, mentor, at, n) for lid, at, n in tries))
    assert "gave up" not in results
    async with store.transaction() as s:
        active = list(await s.scalars(select(Booking).where(Booking.status.in_(ACTIVE))))
    assert 1 <= len(active) <= 3
    pad = timedelta(minutes=POLICIES.buffer_min)
    for i, a in enumerate(active):
        for b in active[i + 1 :]:
            assert not _overlaps(a, b, pad), (a.starts_at, a.ends_at, b.starts_at, b.ends_at)


async def test_learner_cannot_double_book_themselves(store: Database) -> None:
    async with store.transaction() as s:
        m1 = await add_mentor(s, "M1", NOW)
        m2 = await add_mentor(s, "M2", NOW)
        learner = await add_user(s, "L", NOW)
    slot = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    results = await asyncio.gather(
        *(_attempt(store, learner, m, slot, 10) for m in (m1, m2) for _ in range(5))
    )
    assert results.count("ok") == 1


async def test_taken_slot_offers_the_next_free_ones(store: Database) -> None:
    mentor, (a, b) = await _setup(store, 2)
    slot = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
    assert await _attempt(store, a, mentor, slot, 10) == "ok"
    async with store.transaction() as s:
        svc = Bookings(s, NOW, POLICIES, [])
        offer = await svc.offering(mentor)
        assert offer is not None
        try:
            await svc.request(b, offer, slot, 10, "late")
        except SlotTaken as taken:
            assert taken.next_free and all(t > slot for t in taken.next_free)
        else:
            raise AssertionError("double booked")
