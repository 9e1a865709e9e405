"""Safety and privacy tables: who blocked whom, reports about people, consent records, and
erasure requests waiting out their grace period."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class Block(Base):
    """`blocker_id` blocked `blocked_id`: no requests or bookings either way, hidden in search."""

    __tablename__ = "blocks"
    __table_args__ = (UniqueConstraint("blocker_id", "blocked_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    blocker_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]


class PersonReport(Base):
    """A report about a person (not a message), for the admins' queue."""

    __tablename__ = "person_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    category: Mapped[str] = mapped_column(String(16))  # spam | harassment | no-show | ...
    text: Mapped[str] = mapped_column(Text, default="")
    state: Mapped[str] = mapped_column(String(12), default="open")  # open|dismissed|actioned
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("bookings.id"), default=None)
    created_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class ConsentRecord(Base):
    """One consent given or withdrawn: terms at onboarding, call recording, email."""

    __tablename__ = "consent_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # terms | recording | email
    version: Mapped[str] = mapped_column(String(32), default="")
    given: Mapped[bool]  # False: withdrawn
    at: Mapped[datetime]
    detail: Mapped[str] = mapped_column(String(100), default="")  # e.g. "booking 12"


class ErasureRequest(Base):
    """`/privacy delete`: erased by the scheduler at `due_at` unless cancelled before."""

    __tablename__ = "erasure_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending|cancelled|done
    done_at: Mapped[datetime | None] = mapped_column(default=None)
