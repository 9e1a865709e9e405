"""Booking tables. A mentor's or learner's time is claimed by unique 5-minute cells, so two
overlapping active bookings can't both commit on any database; PostgreSQL also gets exclusion
constraints on the time range (added in the migration; SQLAlchemy's model needn't know)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base

ACTIVE = ("requested", "accepted", "confirmed")
STATUSES = (*ACTIVE, "declined", "expired", "cancelled", "completed", "disputed")


class Booking(Base):
    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint(
            "status in ('requested', 'accepted', 'confirmed', 'declined', 'expired', "
            "'cancelled', 'completed', 'disputed')",
            name="status",
        ),
        CheckConstraint("price_mode in ('paid', 'free', 'credits')", name="price_mode"),
        CheckConstraint("pay_state in ('none', 'pending', 'paid', 'refunded')", name="pay_state"),
        CheckConstraint("ends_at > starts_at", name="span"),
        CheckConstraint("mentor_id <> learner_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(index=True)
    ends_at: Mapped[datetime]
    length_min: Mapped[int] = mapped_column(Integer)
    topic: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), index=True)
    price_mode: Mapped[str] = mapped_column(String(8))
    amount_minor: Mapped[int] = mapped_column(Integer, default=0)
    currency: Mapped[str] = mapped_column(String(8), default="INR")
    pay_state: Mapped[str] = mapped_column(String(8), default="none")
    respond_by: Mapped[datetime]
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    cancel_reason: Mapped[str] = mapped_column(Text, default="")
    completed_at: Mapped[datetime | None]
    rescheduled_from: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"))
    # A seat of a group session (core.db.groups): the mentor's time is the group's, so on
    # PostgreSQL the mentor's overlap exclusion leaves seats out (migration 0039).
    group_id: Mapped[int | None] = mapped_column(ForeignKey("group_sessions.id"), index=True)


class BookingCell(Base):
    """One 5-minute cell of someone's time held by an active booking."""

    __tablename__ = "booking_cells"
    __table_args__ = (UniqueConstraint("user_id", "cell"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    cell: Mapped[int] = mapped_column(Integer)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)


class BookingNotice(Base):
    """Sent-log: each reminder or notice for a booking goes out once, whatever restarts."""

    __tablename__ = "booking_notices"
    __table_args__ = (UniqueConstraint("booking_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    kind: Mapped[str] = mapped_column(String(32))
    sent_at: Mapped[datetime]


class SessionRating(Base):
    """A rating of the other party after a session; hidden until both rated or 7 days pass."""

    __tablename__ = "session_ratings"
    __table_args__ = (
        UniqueConstraint("booking_id", "rater_id"),
        CheckConstraint("stars between 1 and 5", name="stars"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"))
    rater_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    ratee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    role: Mapped[str] = mapped_column(String(8))  # the ratee's role: mentor | learner
    stars: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    visible_at: Mapped[datetime | None]
