"""Call-room join records: every join, leave and ICE connection state, per participant.

Written by the call rooms (calls/), read by the no-show decision (core.booking.noshow).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base

KINDS = ("join", "leave", "ice", "consent", "recording")


class RoomEvent(Base):
    __tablename__ = "room_events"
    __table_args__ = (
        CheckConstraint("kind in ('join', 'leave', 'ice', 'consent', 'recording')", name="kind"),
        CheckConstraint("role in ('mentor', 'learner')", name="role"),
        Index("ix_room_events_booking_at", "booking_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(12))
    # ICE state (new/checking/connected/…), leave reason, or a recording's file name.
    detail: Mapped[str] = mapped_column(String(200), default="")
    at: Mapped[datetime]


async def record(
    s: AsyncSession,
    booking_id: int,
    user_id: int,
    role: str,
    kind: str,
    at: datetime,
    detail: str = "",
) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown room event {kind!r}")
    s.add(
        RoomEvent(
            booking_id=booking_id,
            user_id=user_id,
            role=role,
            kind=kind,
            detail=detail[:200],
            at=at,
        )
    )
    await s.flush()


async def records_of(s: AsyncSession, booking_id: int) -> list[RoomEvent]:
    return list(
        await s.scalars(
            select(RoomEvent)
            .where(RoomEvent.booking_id == booking_id)
            .order_by(RoomEvent.at, RoomEvent.id)
        )
    )


async def recordings_of(s: AsyncSession, booking_ids: list[int]) -> dict[int, list[str]]:
    """Recording file names per booking (both people consented; see calls/)."""
    if not booking_ids:
        return {}
    rows = await s.execute(
        select(RoomEvent.booking_id, RoomEvent.detail)
        .where(RoomEvent.booking_id.in_(booking_ids), RoomEvent.kind == "recording")
        .order_by(RoomEvent.id)
    )
    out: dict[int, list[str]] = {}
    for booking_id, name in rows:
        out.setdefault(booking_id, []).append(name)
    return out
