"""Mentor posts (short articles) and the community announcements made for them or for a
mentor's office hours: which relayed message carries which buttons."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base
from core.messaging import AnyButton, Button, LinkButton


class MentorPost(Base):
    __tablename__ = "mentor_posts"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))  # plain text
    body: Mapped[str] = mapped_column(Text)  # core.markup, as the mentor wrote it
    created_at: Mapped[datetime]
    # A deleted post keeps its row (its announcements point at it) but is shown nowhere.
    deleted_at: Mapped[datetime | None] = mapped_column(default=None)


class PostHelpfulMark(Base):
    """Someone found a post helpful (issue 19, part 3's "helpful community posts" badge):
    once per person and post (the unique key), never on one's own post (Posts.mark_helpful).
    """

    __tablename__ = "post_helpful_marks"
    __table_args__ = (UniqueConstraint("post_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("mentor_posts.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime]


class MentorPostTag(Base):
    __tablename__ = "mentor_post_tags"

    post_id: Mapped[int] = mapped_column(
        ForeignKey("mentor_posts.id", ondelete="CASCADE"), primary_key=True
    )
    skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"), primary_key=True)


class Announcement(Base):
    """A community message the bot made for a mentor (a post or office hours), with the
    buttons every copy of it carries."""

    __tablename__ = "community_announcements"

    message_id: Mapped[int] = mapped_column(
        ForeignKey("relay_messages.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(8))  # post | hours
    post_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentor_posts.id"), index=True, default=None
    )
    # JSON: rows of [label, payload]
    buttons: Mapped[str] = mapped_column(Text, default="[]")


Rows = tuple[tuple[AnyButton, ...], ...]


def pack_buttons(rows: Sequence[Sequence[AnyButton]]) -> str:
    return json.dumps(
        [
            [
                {"label": b.label, "url": b.url}
                if isinstance(b, LinkButton)
                else {"label": b.label, "payload": b.payload}
                for b in row
            ]
            for row in rows
        ]
    )


def unpack_buttons(raw: str) -> Rows:
    out: list[tuple[AnyButton, ...]] = []
    for row in json.loads(raw or "[]"):
        out.append(
            tuple(
                LinkButton(b["label"], b["url"]) if "url" in b else Button(b["label"], b["payload"])
                for b in row
            )
        )
    return tuple(out)


async def announcement_buttons(s: AsyncSession, message_id: int) -> Rows:
    """The buttons a relayed message carries on every platform (none for people's messages)."""
    raw = await s.scalar(select(Announcement.buttons).where(Announcement.message_id == message_id))
    return unpack_buttons(raw) if raw else ()
