"""The community bridge's tables: linked channels, relayed messages, where each copy went,
and the durable queue of copies still to post, edit or delete."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class CommunityChannel(Base):
    """A platform chat linked to a community: a Telegram group (or forum topic), a Discord
    channel or thread, a Slack channel. The web room of a community is not a row: it reads
    the relayed messages themselves."""

    __tablename__ = "community_channels"
    __table_args__ = (UniqueConstraint("platform", "workspace", "chat_id", "thread_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: a person's side of a direct-message thread (dm_thread_id); chat_id is then their
    # account's id on the platform and thread_id "dm<thread id>" (never sent to the platform).
    # Typed int: every community code path reads community rows only (direct-message rows
    # are found by dm_thread_id), so it stays int there; the column itself is nullable.
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True, nullable=True
    )
    dm_thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("dm_threads.id", ondelete="CASCADE"), index=True, default=None
    )
    platform: Mapped[str] = mapped_column(String(16))
    workspace: Mapped[str] = mapped_column(String(64))
    chat_id: Mapped[str] = mapped_column(String(128))
    thread_id: Mapped[str] = mapped_column(String(128), default="")
    title: Mapped[str] = mapped_column(String(255), default="")
    linked_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    linked_at: Mapped[datetime]
    # False once unlinked or the bot lost access: its queue is dropped, the row stays so the
    # copies posted there keep their ids.
    active: Mapped[bool] = mapped_column(Boolean, default=True)


class RelayFile(Base):
    """A file posted in a community, kept for re-upload and for its web copy."""

    __tablename__ = "relay_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    mime: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    # Unguessable part of the web copy's address.
    token: Mapped[str] = mapped_column(String(32), unique=True)


class RelayMessage(Base):
    """One message said in a community, wherever it was said (origin_channel_id None: the
    web room)."""

    __tablename__ = "relay_messages"
    __table_args__ = (UniqueConstraint("origin_channel_id", "origin_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: a direct message (dm_thread_id).
    # Typed int: every community code path reads community rows only (direct-message rows
    # are found by dm_thread_id), so it stays int there; the column itself is nullable.
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True, nullable=True
    )
    dm_thread_id: Mapped[int | None] = mapped_column(
        ForeignKey("dm_threads.id", ondelete="CASCADE"), index=True, default=None
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    author_name: Mapped[str] = mapped_column(String(100))
    origin_platform: Mapped[str] = mapped_column(String(16))
    origin_channel_id: Mapped[int | None] = mapped_column(
        ForeignKey("community_channels.id"), default=None
    )
    origin_message_id: Mapped[str | None] = mapped_column(String(128), default=None)
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("relay_messages.id"), default=None)
    text: Mapped[str] = mapped_column(Text)  # core.markup, user text escaped
    file_id: Mapped[int | None] = mapped_column(ForeignKey("relay_files.id"), default=None)
    created_at: Mapped[datetime]
    edited_at: Mapped[datetime | None] = mapped_column(default=None)
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class RelayCopy(Base):
    """Where one relayed message was posted in one channel: replies, edits and deletes of
    the message find their copy here."""

    __tablename__ = "relay_copies"
    __table_args__ = (UniqueConstraint("message_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(
        ForeignKey("relay_messages.id", ondelete="CASCADE"), index=True
    )
    channel_id: Mapped[int] = mapped_column(ForeignKey("community_channels.id"))
    platform_message_id: Mapped[str] = mapped_column(String(128), index=True)


class RelayJob(Base):
    """A copy to post, edit or delete in one channel. Jobs of one channel run in id order;
    a job that can't run now waits (not_before) and holds the ones behind it."""

    __tablename__ = "relay_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("community_channels.id"), index=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("relay_messages.id", ondelete="CASCADE"))
    op: Mapped[str] = mapped_column(String(8))  # post | edit | delete
    state: Mapped[str] = mapped_column(String(8), default="pending")  # pending | done | dead
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime]
    created_at: Mapped[datetime]
    error: Mapped[str] = mapped_column(String(255), default="")
