"""Funnel events the other tables don't record: a search answered and a profile opened.

One row each, written in the step's unit of work (so a failed step forgets it). `/admin stats`
counts them for the funnel's first two steps and `/mentor stats` for "shown in search"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base

SEARCH = "search"
VIEW = "view"


class FunnelEvent(Base):
    __tablename__ = "funnel_events"
    __table_args__ = (Index("ix_funnel_events_kind_created_at", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(12))  # search | view
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
