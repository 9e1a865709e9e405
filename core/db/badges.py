"""Badges (issue 19, part 3): each one held once per person (unique kind + scope), and the
people who'd rather not be on leaderboards."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class UserBadge(Base):
    __tablename__ = "user_badges"
    __table_args__ = (UniqueConstraint("user_id", "kind", "scope"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # first_session | taught_5 | streak | helpful_posts | top_rated
    kind: Mapped[str] = mapped_column(String(24))
    scope: Mapped[str] = mapped_column(String(100), default="")  # top_rated: "Skill|2026-11"
    awarded_at: Mapped[datetime]


class LeaderboardOptOut(Base):
    __tablename__ = "leaderboard_optouts"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    created_at: Mapped[datetime]


def badge_label(kind: str, scope: str) -> str:
    """A small label: "🌱 first session", "🎓 25 taught", "🔥 4-week streak"."""
    if kind == "first_session":
        return "🌱 first session"
    if kind.startswith("taught_"):
        return f"🎓 {kind.removeprefix('taught_')} taught"
    if kind == "streak":
        return f"🔥 {scope}-week streak"
    if kind == "helpful_posts":
        return "💡 helpful posts"
    if kind == "top_rated":
        skill, _, month = scope.partition("|")
        return f"⭐ top-rated in {skill} ({month})"
    return kind
