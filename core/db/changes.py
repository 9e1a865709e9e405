"""The profile change log: which profiles changed, in commit order, for every process.

A process that keeps a search index in memory follows this log to hear about profiles
written by other processes (a second worker, the console, a CLI command). Rows are
written inside the transaction that changes the profile, so a change and its log row
commit together or not at all.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import (
    BigInteger,
    Insert,
    Integer,
    Table,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    text,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base

# PostgreSQL NOTIFY channel: a wake-up only; readers always read the table.
CHANNEL = "profile_changes"
# Followers read within a second; an hour covers a process stalled far longer than that
# while keeping the table small (chat steps log a row each).
RETENTION = timedelta(hours=1)


class ProfileChange(Base):
    __tablename__ = "profile_changes"
    # AUTOINCREMENT on SQLite: without it a pruned-empty table hands out id 1 again and
    # every follower, whose cursor is past it, would skip the new rows.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer(), "sqlite"), primary_key=True
    )
    # No foreign key: the log must not stop a user row from being merged or removed.
    # NULL: everything changed (a retrain asked for from another process).
    user_id: Mapped[int | None]
    changed_at: Mapped[datetime] = mapped_column(index=True)


def _table() -> Table:
    return cast(Table, ProfileChange.__table__)


# Built once and executed on the connection, not through the ORM session: every chat step
# runs it (it added a quarter to a trivial step's time when built per call).
@functools.cache
def _insert() -> Insert:
    return insert(_table()).values(user_id=bindparam("uid"), changed_at=bindparam("now"))


async def _notify(session: AsyncSession) -> None:
    # Sent inside the transaction, so PostgreSQL delivers it on commit (never on rollback).
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})


async def record(session: AsyncSession, user_ids: Iterable[int], now: datetime) -> None:
    """Log that these profiles may have changed; call it in the writing transaction."""
    ids = sorted(set(user_ids))
    if not ids:
        return
    conn = await session.connection()
    rows = [{"uid": uid, "now": now} for uid in ids]
    await conn.execute(_insert(), rows[0] if len(rows) == 1 else rows)
    await _notify(session)


async def record_everything(session: AsyncSession, now: datetime) -> None:
    """Ask every follower to rebuild from scratch (bulk writes, a retrain on request)."""
    await (await session.connection()).execute(_insert(), {"uid": None, "now": now})
    await _notify(session)


async def latest(session: AsyncSession) -> int:
    """The newest id (0 for none): where a follower that has just read everything starts."""
    return int(await session.scalar(select(func.coalesce(func.max(ProfileChange.id), 0))) or 0)


async def after(
    session: AsyncSession, cursor: int, limit: int, also: Iterable[int] = ()
) -> list[tuple[int, int | None]]:
    """(id, user_id) rows past `cursor`, oldest first, plus any of the ids in `also`.

    `also` re-asks for ids skipped earlier: on PostgreSQL a transaction that took a lower
    id can commit after one that took a higher id."""
    cond = ProfileChange.id > cursor
    wanted = sorted(set(also))
    if wanted:
        cond = or_(cond, ProfileChange.id.in_(wanted))
    rows = await session.execute(
        select(ProfileChange.id, ProfileChange.user_id)
        .where(cond)
        .order_by(ProfileChange.id)
        .limit(limit)
    )
    return [(int(i), None if u is None else int(u)) for i, u in rows]


async def prune(session: AsyncSession, before: datetime) -> int:
    """Drop rows older than any follower can still be behind."""
    res = await session.execute(delete(ProfileChange).where(ProfileChange.changed_at < before))
    return int(res.rowcount or 0)  # type: ignore[attr-defined]
