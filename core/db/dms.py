"""Direct messages (issue #16): one private thread per learner and mentor, the intro requests
that may open one, and reports of a message. A thread's messages, copies and queue are the
community bridge's (core.db.relay) with `dm_thread_id` set instead of a community."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class DmThread(Base):
    __tablename__ = "dm_threads"
    __table_args__ = (UniqueConstraint("learner_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
    # The pinned session notes (core.markup, user text escaped); action items are its lines
    # starting "- " (open) or "- [x] " (done).
    notes: Mapped[str] = mapped_column(Text, default="")
    notes_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    notes_at: Mapped[datetime | None] = mapped_column(default=None)
    # The newest message each side has seen (on the web).
    learner_seen_id: Mapped[int] = mapped_column(Integer, default=0)
    mentor_seen_id: Mapped[int] = mapped_column(Integer, default=0)


class DmRequest(Base):
    """A learner's short intro to a mentor they have not booked; accepting opens the thread."""

    __tablename__ = "dm_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    learner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(String(500))
    state: Mapped[str] = mapped_column(
        String(10), default="open"
    )  # open|accepted|declined|withdrawn
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class DmReport(Base):
    """A message reported to the admins; the message is kept as evidence (retention skips it
    while the report is open)."""

    __tablename__ = "dm_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("relay_messages.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[str] = mapped_column(String(12), default="open")  # open | dismissed
    at: Mapped[datetime]
