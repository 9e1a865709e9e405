"""Group sessions: one mentor, one start, up to `seats` learners (issue 19 part 6).

Each seat is an ordinary booking (core.booking.tables.Booking) with `group_id` set, so a seat is
paid, refunded, reminded, completed and decided no-show exactly as a 1:1 session is. The
seat counter is what stops overselling: a seat is taken by a conditional UPDATE
(`seats_taken < seats`), and the CHECK constraint refuses a count above `seats` on any
database even if some other code path forgot the condition.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class GroupSession(Base):
    __tablename__ = "group_sessions"
    __table_args__ = (
        CheckConstraint("seats_taken >= 0 and seats_taken <= seats", name="seat_count"),
        CheckConstraint("seats >= 1", name="seats"),
        CheckConstraint("status in ('open', 'cancelled')", name="status"),
        CheckConstraint("price_mode in ('paid', 'free', 'credits')", name="price_mode"),
        CheckConstraint("ends_at > starts_at", name="span"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    length_min: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(Text, default="")
    seats: Mapped[int] = mapped_column(Integer)
    seats_taken: Mapped[int] = mapped_column(Integer, default=0)
    price_mode: Mapped[str] = mapped_column(String(8))
    amount_minor: Mapped[int] = mapped_column(Integer, default=0)  # per seat
    currency: Mapped[str] = mapped_column(String(8), default="INR")
    status: Mapped[str] = mapped_column(String(12), default="open")
    created_at: Mapped[datetime]
    cancelled_at: Mapped[datetime | None]
