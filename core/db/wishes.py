"""Skill wishes: "tell me when someone teaches X", asked from a search nobody could answer."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class SkillWish(Base):
    __tablename__ = "skill_wishes"
    __table_args__ = (UniqueConstraint("user_id", "skill_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), index=True)
    created_at: Mapped[datetime]
    # Set when the person was told about a mentor; asking again makes the wish open again.
    told_at: Mapped[datetime | None]
