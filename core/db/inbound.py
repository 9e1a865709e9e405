"""Inbound events seen once: platforms and gateways deliver at least once, we act once."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Insert, String, Table, UniqueConstraint, bindparam, delete
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class ProcessedEvent(Base):
    __tablename__ = "processed_events"
    __table_args__ = (UniqueConstraint("source", "event_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(32))  # "telegram", "slack:T123", "razorpay"...
    event_id: Mapped[str] = mapped_column(String(128))
    seen_at: Mapped[datetime] = mapped_column(index=True)


@functools.cache
def record_insert(dialect: str) -> Insert:
    """The insert that records a delivery (nothing when it is already recorded); bound
    parameters: source, event_id, now."""
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    return (
        # The table, not the entity: an ORM insert's result has no rowcount.
        insert(cast(Table, ProcessedEvent.__table__))
        .values(
            source=bindparam("source"), event_id=bindparam("event_id"), seen_at=bindparam("now")
        )
        .on_conflict_do_nothing(index_elements=["source", "event_id"])
    )


async def first_seen(session: AsyncSession, source: str, event_id: str, now: datetime) -> bool:
    """Record the event; False if it was recorded before (by this or another process).

    Call it inside the transaction that does the work, so a crash rolls both back.
    """
    # One statement, no savepoint and no ORM flush: webhook mode runs this per update.
    # A concurrent duplicate waits for the first one's transaction and then inserts nothing.
    res = await session.execute(
        record_insert(session.get_bind().dialect.name),
        {"source": source, "event_id": event_id[:128], "now": now},
    )
    return bool(res.rowcount == 1)  # type: ignore[attr-defined]


async def forget_before(session: AsyncSession, cutoff: datetime) -> int:
    """Drop records older than any retry window, so the table stays small."""
    res = await session.execute(delete(ProcessedEvent).where(ProcessedEvent.seen_at < cutoff))
    return int(res.rowcount or 0)  # type: ignore[attr-defined]


DEFAULT_RETENTION = timedelta(days=7)
