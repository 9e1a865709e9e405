"""Each person's calendar-feed version: resetting the feed URL bumps it, so old URLs stop."""

from __future__ import annotations

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class CalendarFeed(Base):
    __tablename__ = "calendar_feeds"

    # No row means version 0: every feed URL handed out before resets existed.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer)
