"""Keeping order in a community: its rules and filters, mutes and bans, reports of messages,
and the audit log of every moderator action."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class CommunityRules(Base):
    __tablename__ = "community_rules"

    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True
    )
    rules: Mapped[str] = mapped_column(Text, default="")  # shown on join
    slow_mode_s: Mapped[int] = mapped_column(Integer, default=0)  # 0: off
    blocked_words: Mapped[str] = mapped_column(Text, default="")  # one per line
    block_links: Mapped[bool] = mapped_column(Boolean, default=False)
    updated_at: Mapped[datetime]


class CommunitySanction(Base):
    """A mute (messages don't go out) or a ban (that, and out of the community), until a time
    or until lifted. Per person, so every linked account of theirs is covered."""

    __tablename__ = "community_sanctions"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(8))  # mute | ban
    reason: Mapped[str] = mapped_column(String(255), default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    at: Mapped[datetime]
    until: Mapped[datetime | None] = mapped_column(default=None)
    lifted_at: Mapped[datetime | None] = mapped_column(default=None)


class CommunityReport(Base):
    __tablename__ = "community_reports"
    __table_args__ = (UniqueConstraint("message_id", "reporter_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(ForeignKey("relay_messages.id", ondelete="CASCADE"))
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(String(255), default="")
    state: Mapped[str] = mapped_column(String(12), default="open")  # open | dismissed | removed
    at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)


class CommunityAudit(Base):
    __tablename__ = "community_audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True
    )
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(24))
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    message_id: Mapped[int | None] = mapped_column(Integer, default=None)
    detail: Mapped[str] = mapped_column(String(500), default="")
    at: Mapped[datetime]
