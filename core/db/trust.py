"""Trust and safety facts about a person (issue 18): their age band and profile picture."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base

# "18plus" since the question asks 13–17 / 18 or older; the two older adult bands stay
# valid for people who answered before.
AGE_BANDS = ("under18", "18plus", "18to24", "25plus")
MINOR = "under18"


class UserTrust(Base):
    __tablename__ = "user_trust"
    __table_args__ = (
        CheckConstraint("age_band in ('under18', '18plus', '18to24', '25plus')", name="age_band"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    # None: never asked (people who joined before age bands; asked at their next paid booking)
    age_band: Mapped[str | None] = mapped_column(String(8))
    avatar: Mapped[str | None] = mapped_column(String(64))  # AvatarStore name
    avatar_source: Mapped[str] = mapped_column(String(16), default="")  # upload | telegram...
    updated_at: Mapped[datetime]
