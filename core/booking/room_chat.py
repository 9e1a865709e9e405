"""The call room's text chat, kept with the booking: shown again to whoever rejoins the
room, and part of the session's record afterwards (written by calls/)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base

MAX_TEXT = 2000


class RoomMessage(Base):
    __tablename__ = "room_messages"
    __table_args__ = (
        CheckConstraint("role in ('mentor', 'learner')", name="role"),
        Index("ix_room_messages_booking_at", "booking_id", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(String(MAX_TEXT))
    at: Mapped[datetime]


async def add_message(
    s: AsyncSession, booking_id: int, user_id: int, role: str, text: str, at: datetime
) -> RoomMessage:
    msg = RoomMessage(
        booking_id=booking_id, user_id=user_id, role=role, text=text[:MAX_TEXT], at=at
    )
    s.add(msg)
    await s.flush()
    return msg


async def messages_of(s: AsyncSession, booking_id: int) -> list[RoomMessage]:
    return list(
        await s.scalars(
            select(RoomMessage)
            .where(RoomMessage.booking_id == booking_id)
            .order_by(RoomMessage.at, RoomMessage.id)
        )
    )


async def chatted(s: AsyncSession, booking_ids: list[int]) -> set[int]:
    """The bookings whose room chat has at least one message."""
    if not booking_ids:
        return set()
    rows = await s.scalars(
        select(RoomMessage.booking_id).where(RoomMessage.booking_id.in_(booking_ids)).distinct()
    )
    return set(rows)


async def message_count(s: AsyncSession, booking_id: int) -> int:
    count = await s.scalar(
        select(func.count()).select_from(RoomMessage).where(RoomMessage.booking_id == booking_id)
    )
    return int(count or 0)
