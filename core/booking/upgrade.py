"""Learner → mentor upgrade (issue 19, part 2): a learner who completed enough sessions and
whom mentors rate well is invited, once, to teach what they learned; their application is
prefilled and admins see a fast-track note."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.tables import Booking, SessionRating
from core.db.invites import MentorInvite
from core.db.schema import MentorProfile, Skill, UserSkill
from core.policies import Policies


async def email_verified_hook(session: AsyncSession, user_id: int) -> bool:
    """HOOK (verified email, built by another helper): whether this person's email is
    verified. Consulted only when `Policies.upgrade_requires_verified_email` is on; until the
    verification exists nobody counts as verified, so turning the policy on invites no one."""
    return False


class Upgrades:
    def __init__(self, session: AsyncSession, now: datetime, policies: Policies) -> None:
        self.s = session
        self.now = now
        self.p = policies

    async def invite_of(self, user_id: int) -> MentorInvite | None:
        return await self.s.get(MentorInvite, user_id)

    async def standing(self, user_id: int) -> tuple[int, float | None]:
        """(sessions completed as a learner, average visible rating mentors gave them)."""
        sessions = await self.s.scalar(
            select(func.count())
            .select_from(Booking)
            .where(Booking.learner_id == user_id, Booking.status == "completed")
        )
        avg = await self.s.scalar(
            select(func.avg(SessionRating.stars)).where(
                SessionRating.ratee_id == user_id,
                SessionRating.role == "learner",
                SessionRating.visible_at.is_not(None),
            )
        )
        return int(sessions or 0), (float(avg) if avg is not None else None)

    async def learned(self, user_id: int) -> list[str]:
        rows = await self.s.scalars(
            select(Skill.name)
            .join(UserSkill, UserSkill.skill_id == Skill.id)
            .where(UserSkill.user_id == user_id, UserSkill.kind == "learn")
            .order_by(Skill.name)
        )
        return list(rows)

    async def check(self, user_id: int) -> MentorInvite | None:
        """Invite this learner if they now meet the criteria; the new invite, or None (not
        yet, already a mentor or applying, or invited before)."""
        if await self.invite_of(user_id) is not None:
            return None
        mp = await self.s.get(MentorProfile, user_id)
        if mp is not None and mp.status != "draft":
            return None
        sessions, rating = await self.standing(user_id)
        if sessions < self.p.upgrade_min_sessions or rating is None:
            return None
        if rating < self.p.upgrade_min_rating:
            return None
        if self.p.upgrade_requires_verified_email and not await email_verified_hook(
            self.s, user_id
        ):
            return None
        skills = await self.learned(user_id)
        invite = MentorInvite(
            user_id=user_id,
            invited_at=self.now,
            sessions=sessions,
            rating_tenths=round(rating * 10),
            skills=", ".join(skills)[:400],
        )
        try:
            async with self.s.begin_nested():
                self.s.add(invite)
                await self.s.flush()
        except IntegrityError:
            return None  # another process invited them at the same moment
        return invite


def fast_track_note(invite: MentorInvite) -> str:
    return (
        f"⚡ Fast track: invited to teach after {invite.sessions} sessions as a learner, "
        f"rated {invite.rating_tenths / 10:.1f}★ by their mentors."
    )
