"""A person's quiet hours (core.quiet), and the holds they put on what is sent to them.

A hold is a not-before time on the delivery row itself (outbox.not_before; a direct
message's relay job's not_before), written with the row, so it lives in the database and
survives a restart; the outbox sweep and the relay queue release the rows when it passes."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db.relay import CommunityChannel, RelayJob
from core.db.schema import Base, Outbox, User
from core.quiet import HELD, QuietHours, quiet_until


class QuietSetting(Base):
    __tablename__ = "quiet_hours"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    start_min: Mapped[int] = mapped_column(Integer)  # local minutes after midnight
    end_min: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime]


async def quiet_of(s: AsyncSession, user_id: int) -> QuietHours | None:
    row = await s.get(QuietSetting, user_id)
    return QuietHours(row.start_min, row.end_min) if row is not None else None


async def hold_until(s: AsyncSession, user_id: int, kind: str, now: datetime) -> datetime | None:
    """Until when a notification of this kind to this person waits (None: send now)."""
    if kind not in HELD:
        return None
    q = await quiet_of(s, user_id)
    if q is None:
        return None
    user = await s.get(User, user_id)
    return quiet_until(q, user.timezone if user is not None else None, now)


async def set_quiet(s: AsyncSession, user_id: int, q: QuietHours | None, now: datetime) -> None:
    """Save (or remove, with None) the setting, then re-time what is held for the person:
    turned off or moved, their waiting notifications follow the new setting."""
    row = await s.get(QuietSetting, user_id)
    if q is None:
        if row is not None:
            await s.delete(row)
    elif row is None:
        s.add(QuietSetting(user_id=user_id, start_min=q.start, end_min=q.end, updated_at=now))
    else:
        row.start_min, row.end_min, row.updated_at = q.start, q.end, now
    await s.flush()
    await retime(s, user_id, now)


async def retime(s: AsyncSession, user_id: int, now: datetime) -> None:
    """Held rows of a person whose setting (or zone) changed: held to the new end, or free."""
    user = await s.get(User, user_id)
    q = await quiet_of(s, user_id)
    until = quiet_until(q, user.timezone, now) if q is not None and user is not None else None
    await s.execute(
        update(Outbox)
        .where(
            Outbox.user_id == user_id,
            Outbox.state == "pending",
            Outbox.kind.in_(sorted(HELD)),
            Outbox.not_before > now,
        )
        .values(not_before=until)
    )
    # Their side of each direct-message thread: the copies waiting to be pushed there.
    sides = select(CommunityChannel.id).where(
        CommunityChannel.dm_thread_id.is_not(None), CommunityChannel.linked_by == user_id
    )
    await s.execute(
        update(RelayJob)
        .where(
            RelayJob.channel_id.in_(sides),
            RelayJob.state == "pending",
            RelayJob.op == "post",
            RelayJob.not_before > now,
        )
        .values(not_before=until or now)
    )
