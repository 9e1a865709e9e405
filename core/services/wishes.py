"""Skill wishes: kept from a search nobody answered, kept open until a mentor who teaches the
skill is approved, then told once."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.schema import MentorProfile, User, UserSkill
from core.db.wishes import SkillWish


async def teachers_of(s: AsyncSession, skill_ids: Iterable[int], *, besides: int) -> int:
    """How many approved mentors (other than `besides`) teach any of these skills."""
    ids = list(skill_ids)
    if not ids:
        return 0
    rows = await s.scalars(
        select(UserSkill.user_id)
        .join(MentorProfile, MentorProfile.user_id == UserSkill.user_id)
        .join(User, User.id == UserSkill.user_id)
        .where(
            UserSkill.kind == "teach",
            UserSkill.skill_id.in_(ids),
            MentorProfile.status == "approved",
            User.merged_into_id.is_(None),
            UserSkill.user_id != besides,
        )
        .distinct()
    )
    return len(list(rows))


async def wish(s: AsyncSession, user_id: int, skill_ids: Iterable[int], now: datetime) -> None:
    """Remember (or reopen) that this person wants to hear about mentors of these skills."""
    for skill_id in dict.fromkeys(skill_ids):
        row = await s.scalar(
            select(SkillWish).where(SkillWish.user_id == user_id, SkillWish.skill_id == skill_id)
        )
        if row is None:
            s.add(SkillWish(user_id=user_id, skill_id=skill_id, created_at=now, told_at=None))
        else:
            row.created_at, row.told_at = now, None
    await s.flush()


async def answered_by(s: AsyncSession, mentor_id: int, now: datetime) -> dict[int, list[int]]:
    """Open wishes a newly approved mentor answers, closed here: person -> skill ids."""
    teaches = select(UserSkill.skill_id).where(
        UserSkill.user_id == mentor_id, UserSkill.kind == "teach"
    )
    rows = await s.scalars(
        select(SkillWish)
        .where(
            SkillWish.skill_id.in_(teaches),
            SkillWish.told_at.is_(None),
            SkillWish.user_id != mentor_id,
        )
        .order_by(SkillWish.id)
    )
    out: dict[int, list[int]] = {}
    for row in rows:
        row.told_at = now
        out.setdefault(row.user_id, []).append(row.skill_id)
    await s.flush()
    return out
