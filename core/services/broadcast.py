"""Who a broadcast reaches (issue 17): everyone, mentors, learners, a community's members or
the people with a skill. Merged-away and suspended accounts never get one."""

from __future__ import annotations

from sqlalchemy import Select, exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.communities import CommunityMember
from core.db.schema import MentorProfile, User, UserSkill
from core.db.suspensions import Suspension

SEGMENTS = ("everyone", "mentors", "learners", "community", "skill")


def _audience(segment: str, ref: int) -> Select[int]:
    q = select(User.id).where(
        User.merged_into_id.is_(None),
        ~exists().where(Suspension.user_id == User.id),
    )
    if segment == "mentors":
        q = q.where(
            exists().where(MentorProfile.user_id == User.id, MentorProfile.status == "approved")
        )
    elif segment == "learners":
        q = q.where(User.wants_to_learn.is_(True))
    elif segment == "community":
        q = q.where(
            exists().where(CommunityMember.user_id == User.id, CommunityMember.community_id == ref)
        )
    elif segment == "skill":
        q = q.where(exists().where(UserSkill.user_id == User.id, UserSkill.skill_id == ref))
    elif segment != "everyone":
        raise ValueError(f"unknown segment {segment!r}")
    return q.order_by(User.id)


async def audience(s: AsyncSession, segment: str, ref: int = 0) -> list[int]:
    return list(await s.scalars(_audience(segment, ref)))
