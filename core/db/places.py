"""Where the bot is: the groups and channels of each platform it was added to."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class BotPlace(Base):
    __tablename__ = "bot_places"
    __table_args__ = (UniqueConstraint("platform", "workspace", "chat_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(128))
    title: Mapped[str] = mapped_column(String(255))
    # False once the bot was removed: the row stays, so a community linked to the place
    # later sees that it is gone rather than finding nothing.
    active: Mapped[bool] = mapped_column(Boolean)
    since: Mapped[datetime]  # when it last became active or inactive
