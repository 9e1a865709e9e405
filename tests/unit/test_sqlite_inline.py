"""The SQLite driver runs statements on the loop's thread, yet never stalls the loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from core.clock import ManualClock
from core.db.engine import Database
from core.db.schema import Skill, User
from core.services.catalog import SkillCatalog
from tests.support import make_template, sqlite_copy


@pytest.fixture
async def db(tmp_path: Path) -> Database:
    template = tmp_path / "template.db"
    await make_template(template)
    return sqlite_copy(template, tmp_path)


async def test_statements_run_on_the_loop_thread(db: Database) -> None:
    seen: list[int] = []
    async with db.engine.connect() as conn:
        raw = await conn.get_raw_connection()
        sqlite_conn = raw.driver_connection._conn  # type: ignore[union-attr]
        # Registered from the loop's thread: allowed because the driver opened it shared.
        sqlite_conn.create_function("whoami", 0, lambda: seen.append(threading.get_ident()) or 1)
        assert (await conn.execute(text("SELECT whoami()"))).scalar() == 1
    assert seen == [threading.get_ident()]
    await db.dispose()


async def test_results_rowcounts_and_errors_come_through(db: Database) -> None:
    async with db.transaction() as s:
        names = (await s.scalars(select(Skill.name).order_by(Skill.id).limit(3))).all()
        assert len(names) == 3
        res = await s.execute(
            text("UPDATE skills SET category = category WHERE id IN (1, 2)"),
        )
        assert res.rowcount == 2  # type: ignore[attr-defined]
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            first = await s.scalar(select(Skill).order_by(Skill.id).limit(1))
            assert first is not None
            s.add(
                Skill(name=first.name, key=first.key, category="x", aliases=[], status="approved")
            )
            await s.flush()
    await db.dispose()


async def test_another_process_holding_the_lock_is_waited_out_without_blocking_the_loop(
    db: Database, tmp_path: Path
) -> None:
    other = sqlite3.connect(tmp_path / "mentorbot.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # what a second process (a CLI, a worker) would hold
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.005)

    async def writer() -> str:
        async with db.transaction() as s:
            await s.execute(text("UPDATE skills SET category = 'Held' WHERE id = 1"))
        return "written"

    tick_task = asyncio.create_task(ticker())
    write_task = asyncio.create_task(writer())
    await asyncio.sleep(0.3)
    assert not write_task.done()  # still waiting for the lock...
    assert ticks >= 20  # ...while the loop kept running
    other.execute("COMMIT")
    assert await asyncio.wait_for(write_task, 5) == "written"
    tick_task.cancel()
    other.close()
    async with db.transaction() as s:
        assert await s.scalar(text("SELECT category FROM skills WHERE id = 1")) == "Held"
    await db.dispose()


async def test_this_process_queues_its_transactions(db: Database) -> None:
    order: list[str] = []

    async def txn(name: str, hold_s: float) -> None:
        async with db.transaction() as s:
            order.append(f"{name} in")
            await s.execute(text("UPDATE skills SET category = category WHERE id = 1"))
            await asyncio.sleep(hold_s)
            order.append(f"{name} out")

    await asyncio.gather(txn("a", 0.05), txn("b", 0), txn("c", 0))
    assert order == ["a in", "a out", "b in", "b out", "c in", "c out"]
    await db.dispose()


async def test_catalog_sees_own_changes_at_once_and_others_after_recheck(db: Database) -> None:
    catalog = SkillCatalog(recheck_s=3600)
    now = ManualClock().now()
    async with db.transaction() as s:
        user = User(display_name="Tagger", created_at=now)
        s.add(user)
        await s.flush()
        uid = user.id
        before = await catalog.refresh(s)
        assert before.exact("Quantum knitting") is None
        await catalog.add_tag(s, "Quantum knitting", uid, now, [])
    async with db.transaction() as s:
        assert (await catalog.refresh(s)).exact("Quantum knitting") is not None

    # Another worker adds a tag: this one notices when its recheck is due.
    async with db.transaction() as s:
        await SkillCatalog().add_tag(s, "Bonsai physics", uid, now, [])
    async with db.transaction() as s:
        assert (await catalog.refresh(s)).exact("Bonsai physics") is None
        catalog.recheck_s = 0
        assert (await catalog.refresh(s)).exact("Bonsai physics") is not None
    await db.dispose()
