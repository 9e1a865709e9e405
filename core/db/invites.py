"""Learner → mentor invitations: one row per person, so the invitation goes out once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class MentorInvite(Base):
    __tablename__ = "mentor_invites"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    invited_at: Mapped[datetime]
    sessions: Mapped[int] = mapped_column(Integer)  # sessions completed as a learner then
    rating_tenths: Mapped[int] = mapped_column(Integer)  # mentors' average rating × 10
    skills: Mapped[str] = mapped_column(Text, default="")  # what they learned, to prefill
