"""The profile change log and its follower, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import pytest
from sqlalchemy import text

from core.clock import ManualClock
from core.db import changes
from core.db.engine import Database
from matching.follow import ChangeFollower
from tests.support import PG_URL, drop_pg_schema, postgres_schema_db

NOW = ManualClock().now()


async def eventually(cond: Callable[[], bool], within_s: float = 5.0) -> bool:
    for _ in range(int(within_s / 0.02)):
        if cond():
            return True
        await asyncio.sleep(0.02)
    return cond()


class Heard:
    """What a follower handed on."""

    def __init__(self) -> None:
        self.ids: list[set[int]] = []
        self.everything = 0

    def profiles(self, ids: set[int]) -> None:
        self.ids.append(set(ids))

    async def rebuild(self) -> None:
        self.everything += 1

    def all_ids(self) -> set[int]:
        return set().union(*self.ids) if self.ids else set()


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    if not PG_URL:
        pytest.skip("PostgreSQL contract: set MENTORBOT_TEST_DATABASE_URL to run it")
    db, schema = await postgres_schema_db()
    try:
        yield db
    finally:
        await db.dispose()
        await drop_pg_schema(schema)


async def test_the_log_reads_from_a_cursor_in_id_order(store: Database) -> None:
    async with store.transaction() as s:
        assert await changes.latest(s) == 0
        await changes.record(s, [3, 1, 3, 2], NOW)
    async with store.transaction() as s:
        await changes.record_everything(s, NOW)
    async with store.transaction() as s:
        rows = await changes.after(s, 0, 100)
        assert [u for _, u in rows] == [1, 2, 3, None]
        assert [i for i, _ in rows] == sorted(i for i, _ in rows)
        assert await changes.latest(s) == rows[-1][0]
        assert await changes.after(s, rows[1][0], 100) == rows[2:]
        assert await changes.after(s, 0, 2) == rows[:2]
        # Ids asked for again (skipped earlier) come back with the new ones.
        assert await changes.after(s, rows[2][0], 100, also=[rows[0][0]]) == [rows[0], rows[3]]


async def test_a_change_is_logged_with_its_transaction_or_not_at_all(store: Database) -> None:
    with pytest.raises(RuntimeError):
        async with store.transaction() as s:
            await changes.record(s, [5], NOW)
            raise RuntimeError("the step failed")
    async with store.transaction() as s:
        assert await changes.after(s, 0, 10) == []


async def test_pruning_never_lets_an_id_come_round_again(store: Database) -> None:
    async with store.transaction() as s:
        await changes.record(s, [1, 2], NOW - timedelta(hours=2))
        await changes.record(s, [3], NOW)
        last = await changes.latest(s)
    async with store.transaction() as s:
        assert await changes.prune(s, NOW - changes.RETENTION) == 2
        assert [u for _, u in await changes.after(s, 0, 10)] == [3]
        assert await changes.prune(s, NOW + timedelta(seconds=1)) == 1  # now empty
    async with store.transaction() as s:
        await changes.record(s, [4], NOW)
    async with store.transaction() as s:
        # A follower whose cursor is `last` must still see the new row.
        assert [u for _, u in await changes.after(s, last, 10)] == [4]


async def test_the_follower_hands_on_changes_made_after_it_began(store: Database) -> None:
    async with store.transaction() as s:
        await changes.record(s, [7], NOW)  # before: a fresh index has read it already
    heard = Heard()
    follower = ChangeFollower(store, heard.profiles, heard.rebuild, interval_s=0.05)
    await follower.begin()
    follower.start()
    try:
        async with store.transaction() as s:
            await changes.record(s, [11, 12], NOW)
        assert await eventually(lambda: heard.all_ids() == {11, 12}), heard.ids
        async with store.transaction() as s:
            await changes.record_everything(s, NOW)
        assert await eventually(lambda: heard.everything == 1)
        assert 7 not in heard.all_ids()
        assert follower.running
    finally:
        await follower.close()
    assert not follower.running


async def test_the_follower_outlives_a_database_error(
    store: Database, caplog: pytest.LogCaptureFixture
) -> None:
    heard = Heard()
    follower = ChangeFollower(store, heard.profiles, heard.rebuild, interval_s=0.05)
    await follower.begin()
    follower.start()
    try:
        async with store.transaction() as s:
            await s.execute(text("ALTER TABLE profile_changes RENAME TO profile_changes_away"))
        assert await eventually(
            lambda: any("following profile changes failed" in r.message for r in caplog.records)
        )
        async with store.transaction() as s:
            await s.execute(text("ALTER TABLE profile_changes_away RENAME TO profile_changes"))
            await changes.record(s, [21], NOW)
        assert await eventually(lambda: heard.all_ids() == {21}), heard.ids
    finally:
        await follower.close()


async def test_notify_wakes_the_follower_at_once(pg: Database) -> None:
    heard = Heard()
    # Polling this rarely, only the NOTIFY sent on commit can bring the change in time.
    follower = ChangeFollower(pg, heard.profiles, heard.rebuild, interval_s=120.0)
    await follower.begin()
    follower.start()
    try:
        await asyncio.sleep(0.2)  # the follower is waiting now
        async with pg.transaction() as s:
            await changes.record(s, [31], NOW)
        assert await eventually(lambda: heard.all_ids() == {31}, within_s=2.0), heard.ids
    finally:
        await follower.close()


async def test_an_id_committed_after_a_later_one_is_not_skipped(pg: Database) -> None:
    heard = Heard()
    follower = ChangeFollower(pg, heard.profiles, heard.rebuild)
    await follower.begin()
    async with pg.sessions() as slow, slow.begin():
        await changes.record(slow, [41], NOW)  # takes the lower id, commits last
        async with pg.transaction() as s:
            await changes.record(s, [42], NOW)
        await follower.poll()
        assert heard.all_ids() == {42}
    await follower.poll()
    assert heard.all_ids() == {41, 42}
    assert follower.gaps == {}
