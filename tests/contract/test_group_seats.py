"""Group sessions: no overselling, enforced by the database, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from core.booking.joins import record
from core.booking.noshow import Verdict
from core.booking.service import BookingError, Bookings, GroupFull
from core.booking.tables import ACTIVE, Booking
from core.db.engine import Database
from core.db.groups import GroupSession
from core.events import Event
from core.policies import Policies
from tests.booking_support import add_mentor, add_user

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
START = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
POLICIES = Policies()


async def _setup(store: Database, learners: int) -> tuple[int, int, list[int]]:
    async with store.transaction() as s:
        mentor = await add_mentor(s, "Mentor", NOW)
        people = [await add_user(s, f"L{i}", NOW) for i in range(learners)]
        g = await Bookings(s, NOW, POLICIES, []).offer_group(
            mentor, START, 60, 6, price_mode="free", topic="SQL in practice"
        )
    return mentor, g.id, people


async def _take(store: Database, group_id: int, learner: int) -> str:
    for _ in range(40):  # bounded: SQLite may report "locked" under this much contention
        try:
            async with store.transaction() as s:
                events: list[Event] = []
                await Bookings(s, NOW, POLICIES, events).book_seat(group_id, learner)
                return "ok"
        except GroupFull:
            return "full"
        except BookingError as exc:
            return str(exc)
        except Exception as exc:
            if "locked" not in str(exc):
                raise
            await asyncio.sleep(0.01)
    return "gave up"


async def test_twelve_learners_race_for_six_seats(store: Database) -> None:
    _mentor, group_id, learners = await _setup(store, 12)
    results = await asyncio.gather(*(_take(store, group_id, lid) for lid in learners))
    assert results.count("ok") == 6, results
    assert results.count("full") == 6, results
    async with store.transaction() as s:
        g = await s.get(GroupSession, group_id)
        assert g is not None and g.seats_taken == 6
        seats = await s.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.group_id == group_id, Booking.status.in_(ACTIVE))
        )
    assert seats == 6


async def test_a_cancelled_seat_can_be_taken_again(store: Database) -> None:
    _mentor, group_id, learners = await _setup(store, 7)
    for lid in learners[:6]:
        assert await _take(store, group_id, lid) == "ok"
    assert await _take(store, group_id, learners[6]) == "full"
    async with store.transaction() as s:
        svc = Bookings(s, NOW, POLICIES, [])
        seat = (await svc.seats_of(group_id))[0]
        await svc.cancel(seat.id, seat.learner_id, "can't come")
    assert await _take(store, group_id, learners[6]) == "ok"
    assert await _take(store, group_id, learners[0]) == "full"


async def test_the_same_learner_gets_one_seat(store: Database) -> None:
    _mentor, group_id, (learner,) = await _setup(store, 1)
    results = await asyncio.gather(*(_take(store, group_id, learner) for _ in range(4)))
    assert results.count("ok") == 1, results


async def test_the_database_refuses_more_seats_than_offered(store: Database) -> None:
    _mentor, group_id, _ = await _setup(store, 0)
    with pytest.raises(IntegrityError):
        async with store.transaction() as s:
            await s.execute(
                update(GroupSession).where(GroupSession.id == group_id).values(seats_taken=7)
            )


async def test_a_group_blocks_the_mentors_one_to_one_slots(store: Database) -> None:
    mentor, _group_id, (learner,) = await _setup(store, 1)
    async with store.transaction() as s:
        svc = Bookings(s, NOW, POLICIES, [])
        offer = await svc.offering(mentor)
        assert offer is not None
        free = await svc.free_slots(offer, learner, 30)
        assert START not in free
        assert all(not (START <= t < START.replace(hour=14, minute=5)) for t in free)
        with pytest.raises(BookingError):
            await svc.offer_group(mentor, START, 30, 3, price_mode="free")


async def _seated(store: Database, n: int) -> tuple[int, int, list[Booking]]:
    mentor, group_id, learners = await _setup(store, n)
    for lid in learners:
        assert await _take(store, group_id, lid) == "ok"
    async with store.transaction() as s:
        seats = await Bookings(s, NOW, POLICIES, []).seats_of(group_id)
    return mentor, group_id, seats


async def test_no_show_is_decided_per_seat(store: Database) -> None:
    mentor, _group_id, (came, absent) = await _seated(store, 2)
    async with store.transaction() as s:
        for seat in (came, absent):  # the mentor's join is written on every seat
            await record(s, seat.id, mentor, "mentor", "join", START)
        await record(s, came.id, came.learner_id, "learner", "join", START)
    later = START + timedelta(minutes=POLICIES.no_show_after_min + 1)
    async with store.transaction() as s:
        decided = dict(await Bookings(s, later, POLICIES, []).no_shows_due())
    assert decided[absent.id].verdict is Verdict.LEARNER_ABSENT
    assert came.id not in decided  # held: both came
    async with store.transaction() as s:
        done = await Bookings(s, START + timedelta(hours=2), POLICIES, []).complete_due()
        states = {b.id: b.status for b in await s.scalars(select(Booking))}
    assert done == 2 and set(states.values()) == {"completed"}


async def test_a_mentor_who_never_joins_cancels_every_seat(store: Database) -> None:
    _mentor, group_id, seats = await _seated(store, 3)
    async with store.transaction() as s:
        for seat in seats:
            await record(s, seat.id, seat.learner_id, "learner", "join", START)
    later = START + timedelta(minutes=POLICIES.no_show_after_min + 1)
    async with store.transaction() as s:
        decided = dict(await Bookings(s, later, POLICIES, []).no_shows_due())
        states = {b.id: b.status for b in await s.scalars(select(Booking))}
        g = await s.get(GroupSession, group_id)
    assert {o.verdict for o in decided.values()} == {Verdict.MENTOR_ABSENT}
    assert set(states.values()) == {"cancelled"}
    assert g is not None and g.seats_taken == 0
