"""Favourites: follow a mentor, and who follows whom (for the new-times notice)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.follows import MentorFollow
from core.messaging import Button
from core.payloads import Payload


async def follow(s: AsyncSession, follower_id: int, mentor_id: int, now: datetime) -> bool:
    """True if this is a new follow (following twice keeps one row)."""
    if await is_following(s, follower_id, mentor_id):
        return False
    s.add(MentorFollow(follower_id=follower_id, mentor_id=mentor_id, created_at=now))
    await s.flush()
    return True


async def unfollow(s: AsyncSession, follower_id: int, mentor_id: int) -> None:
    await s.execute(
        delete(MentorFollow).where(
            MentorFollow.follower_id == follower_id, MentorFollow.mentor_id == mentor_id
        )
    )


async def is_following(s: AsyncSession, follower_id: int, mentor_id: int) -> bool:
    row = await s.scalar(
        select(MentorFollow.id).where(
            MentorFollow.follower_id == follower_id, MentorFollow.mentor_id == mentor_id
        )
    )
    return row is not None


async def followers_of(s: AsyncSession, mentor_id: int) -> list[int]:
    rows = await s.scalars(
        select(MentorFollow.follower_id)
        .where(MentorFollow.mentor_id == mentor_id)
        .order_by(MentorFollow.id)
    )
    return list(rows)


@dataclass(frozen=True)
class Fav(Payload, prefix="fav"):
    """Follow (on) or unfollow a mentor, from their profile or a new-times notice."""

    mentor_id: int
    on: bool


def follow_button(mentor_id: int, following: bool) -> Button:
    if following:
        return Button("★ Following · unfollow", Fav(mentor_id, False).pack())
    return Button("☆ Follow", Fav(mentor_id, True).pack())
