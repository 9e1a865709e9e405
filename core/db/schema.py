"""Tables. Alembic migrations in alembic/versions are the only way they change."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from core.db.types import UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    wants_to_learn: Mapped[bool] = mapped_column(Boolean, default=False)
    wants_to_mentor: Mapped[bool] = mapped_column(Boolean, default=False)
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str | None] = mapped_column(String(64))
    goals: Mapped[str] = mapped_column(Text, default="")
    primary_account_id: Mapped[int | None] = mapped_column(
        ForeignKey("accounts.id", use_alter=True, ondelete="SET NULL")
    )
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


class Account(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform", "workspace", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    external_id: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)


class LinkCode(Base):
    __tablename__ = "link_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Skill(Base):
    __tablename__ = "skills"
    __table_args__ = (
        CheckConstraint("status in ('approved', 'pending', 'rejected')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    key: Mapped[str] = mapped_column(String(80), unique=True)
    category: Mapped[str] = mapped_column(String(60))
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(16), default="approved")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime]


class UserSkill(Base):
    __tablename__ = "user_skills"
    __table_args__ = (
        CheckConstraint("kind in ('teach', 'learn')", name="kind"),
        CheckConstraint("level in ('beginner', 'intermediate', 'advanced')", name="level"),
        Index("ix_user_skills_skill_kind", "skill_id", "kind"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    level: Mapped[str] = mapped_column(String(16))


class UserLanguage(Base):
    __tablename__ = "user_languages"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    code: Mapped[str] = mapped_column(String(8), primary_key=True, index=True)


class AvailabilityWindow(Base):
    __tablename__ = "availability_windows"
    __table_args__ = (
        CheckConstraint("weekday between 0 and 6", name="weekday"),
        CheckConstraint("start_min >= 0 and end_min <= 1440 and start_min < end_min", name="span"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_min: Mapped[int] = mapped_column(Integer)
    end_min: Mapped[int] = mapped_column(Integer)


class MentorProfile(Base):
    __tablename__ = "mentor_profiles"
    __table_args__ = (
        CheckConstraint(
            "status in ('draft', 'pending', 'approved', 'rejected', 'suspended')", name="status"
        ),
        CheckConstraint("price_mode in ('paid', 'free', 'credits')", name="price_mode"),
        CheckConstraint("price_minor >= 0", name="price"),
    )

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    headline: Mapped[str] = mapped_column(String(120), default="")
    bio: Mapped[str] = mapped_column(Text, default="")
    years_experience: Mapped[int] = mapped_column(Integer, default=0)
    certifications: Mapped[str] = mapped_column(Text, default="")
    intro_video_url: Mapped[str] = mapped_column(String(300), default="")
    price_minor: Mapped[int] = mapped_column(Integer, default=10000)
    currency: Mapped[str] = mapped_column(String(8), default="INR")
    price_mode: Mapped[str] = mapped_column(String(8), default="paid")
    session_lengths: Mapped[list[int]] = mapped_column(JSON, default=lambda: [10])
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    status_reason: Mapped[str] = mapped_column(Text, default="")
    applied_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    rating_count: Mapped[int] = mapped_column(Integer, default=0)
    sessions_completed: Mapped[int] = mapped_column(Integer, default=0)


class Review(Base):
    __tablename__ = "reviews"
    __table_args__ = (CheckConstraint("stars between 1 and 5", name="stars"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    stars: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class Conversation(Base):
    """Dialog state per ConversationKey (DESIGN §3); `version` guards cross-worker writes."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("platform", "workspace", "chat_id", "external_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(128))
    external_id: Mapped[str] = mapped_column(String(128))
    dialog: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime]


class Outbox(Base):
    """Notifications written in the same transaction as their cause; delivered after commit.

    state: pending (to deliver once next_attempt_at has passed; None is at once), parked
    (its platform is switched off and the person has no other reachable account), dead
    (given up after the policy's attempts; an admin can retry it) or sent. A pending row is
    not claimed before its not_before (quiet hours) nor before its next_attempt_at (backoff)."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_pending", "account_id", "delivered_at"),
        Index("ix_outbox_state_due", "state", "next_attempt_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    reply: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    state: Mapped[str] = mapped_column(String(8), default="pending", server_default="pending")
    next_attempt_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(String(200))
    # What it is (core.quiet.KINDS) and, for a kind quiet hours hold, when it may go at the
    # earliest (the end of the person's quiet hours; None: at once). Migration 0043.
    kind: Mapped[str] = mapped_column(String(24), default="reply", server_default="reply")
    not_before: Mapped[datetime | None]


class ChatLog(Base):
    """Transcript for surfaces that keep no history of their own (the web chat)."""

    __tablename__ = "chat_log"
    __table_args__ = (Index("ix_chat_log_account_id_id", "account_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"))
    role: Mapped[str] = mapped_column(String(8))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime]


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(80))
    detail: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
