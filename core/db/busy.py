"""Busy-calendar import: a mentor's ICS subscription and the busy times it last gave."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class BusyFeed(Base):
    __tablename__ = "busy_feeds"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    url: Mapped[str] = mapped_column(Text)
    etag: Mapped[str] = mapped_column(String(200), default="")
    last_modified: Mapped[str] = mapped_column(String(100), default="")
    added_at: Mapped[datetime]
    fetched_at: Mapped[datetime | None]  # last successful load (200 or 304)
    failed_at: Mapped[datetime | None]  # last failure; None once a load succeeds again
    error: Mapped[str] = mapped_column(Text, default="")
    failures: Mapped[int] = mapped_column(Integer, default=0)  # in a row


class BusyTime(Base):
    __tablename__ = "busy_times"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
