"""Inbound events seen once: platforms and gateways deliver at least once, we act once."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import String, UniqueConstraint, delete, select
from sqlalchemy.exc import IntegrityError
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


async def first_seen(session: AsyncSession, source: str, event_id: str, now: datetime) -> bool:
    """Record the event; False if it was recorded before (by this or another process).

    Call it inside the transaction that does the work, so a crash rolls both back.
    """
    if await session.scalar(
        select(ProcessedEvent.id).where(
            ProcessedEvent.source == source, ProcessedEvent.event_id == event_id
        )
    ):
        return False
    try:
        async with session.begin_nested():
            session.add(ProcessedEvent(source=source, event_id=event_id[:128], seen_at=now))
            await session.flush()
    except IntegrityError:
        return False
    return True


async def forget_before(session: AsyncSession, cutoff: datetime) -> int:
    """Drop records older than any retry window, so the table stays small."""
    res = await session.execute(delete(ProcessedEvent).where(ProcessedEvent.seen_at < cutoff))
    return int(res.rowcount or 0)  # type: ignore[attr-defined]


DEFAULT_RETENTION = timedelta(days=7)
