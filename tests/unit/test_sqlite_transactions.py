"""SQLite transactions: one held connection and session serve this process's transactions,
and nothing of one leaks into the next."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select, text

from core.clock import ManualClock
from core.db.engine import Database
from core.db.schema import User
from tests.support import make_template, sqlite_copy


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    template = tmp_path / "template.db"
    await make_template(template)
    return sqlite_copy(template, tmp_path)


def _file(db: Database) -> str:
    return str(db.engine.url.database)


async def _add_user(db: Database, name: str) -> int:
    async with db.transaction() as s:
        u = User(display_name=name, created_at=ManualClock().now())
        s.add(u)
        await s.flush()
        return u.id


async def test_a_row_changed_elsewhere_is_read_fresh_by_the_next_transaction(
    db: Database,
) -> None:
    uid = await _add_user(db, "Asha")
    async with db.transaction() as s:
        first = await s.get(User, uid)
        assert first is not None and first.display_name == "Asha"
    other = sqlite3.connect(_file(db))
    other.execute("UPDATE users SET display_name = 'Asha K' WHERE id = ?", (uid,))
    other.commit()
    other.close()
    async with db.transaction() as s:
        again = (await s.scalars(select(User).where(User.id == uid))).one()
        # A session kept across transactions would hand back the object it already had.
        assert again.display_name == "Asha K"
        assert again is not first
    await db.dispose()


async def test_transactions_share_one_connection(db: Database) -> None:
    pids = []
    for _ in range(3):
        async with db.transaction() as s:
            raw = await s.connection()
            pids.append(id((await raw.get_raw_connection()).driver_connection))
            assert db.engine.pool.checkedout() == 1  # type: ignore[attr-defined]
    assert len(set(pids)) == 1
    await db.dispose()
    assert db.engine.pool.checkedout() == 0  # type: ignore[attr-defined]


async def test_a_failed_transaction_is_rolled_back_and_the_next_starts_clean(
    db: Database,
) -> None:
    with pytest.raises(RuntimeError):
        async with db.transaction() as s:
            s.add(User(display_name="Ghost", created_at=ManualClock().now()))
            await s.flush()
            raise RuntimeError("step failed")
    uid = await _add_user(db, "Ravi")
    async with db.transaction() as s:
        names = list(await s.scalars(select(User.display_name)))
        assert "Ghost" not in names and "Ravi" in names
        assert (await s.get(User, uid)) is not None
    await db.dispose()


async def test_a_transaction_takes_the_write_lock_at_its_start(db: Database) -> None:
    # BEGIN IMMEDIATE: even a transaction that has only read so far keeps other writers out,
    # so what it read can't change under it before it writes.
    async with db.transaction() as s:
        await s.execute(text("SELECT 1"))
        other = sqlite3.connect(_file(db), timeout=0)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("INSERT INTO users (display_name, created_at) VALUES ('x', '2026-01-01')")
        other.close()
    await db.dispose()
