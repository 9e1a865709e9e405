"""Favourites: a person follows a mentor to hear when they open new times."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class MentorFollow(Base):
    __tablename__ = "mentor_follows"
    __table_args__ = (UniqueConstraint("follower_id", "mentor_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]
