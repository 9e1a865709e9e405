"""Mentor profiles and their approval life cycle: draft → pending → approved/rejected/suspended."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.schema import AuditEntry, MentorProfile, User
from core.db.trust import MINOR, UserTrust
from core.db.verification import verified_of
from core.events import Event, MentorApplied, MentorDecided
from core.services.trust import MENTOR_ADULTS_ONLY

SUBMITTABLE = ("draft", "rejected")


@dataclass(frozen=True)
class Decision:
    ok: bool
    message: str


# Which states an application may be moved from, per target state.
MOVES_FROM: dict[str, tuple[str, ...]] = {
    "approved": ("pending", "suspended"),
    "rejected": ("pending",),
    "suspended": ("approved",),
}


class Mentors:
    def __init__(
        self,
        session: AsyncSession,
        now: datetime,
        events: list[Event],
        *,
        needs_verified_email: bool = False,
    ) -> None:
        self.s = session
        self.now = now
        self.events = events
        # Policy (issue 18): a mentor application needs a verified college or company email.
        self.needs_verified_email = needs_verified_email

    async def profile(self, user_id: int) -> MentorProfile:
        mp = await self.s.get(MentorProfile, user_id)
        if mp is None:
            mp = MentorProfile(
                user_id=user_id,
                headline="",
                bio="",
                years_experience=0,
                certifications="",
                intro_video_url="",
                price_minor=10000,
                currency="INR",
                price_mode="paid",
                session_lengths=[10],
                status="draft",
                status_reason="",
                rating_sum=0,
                rating_count=0,
                sessions_completed=0,
            )
            self.s.add(mp)
            await self.s.flush()
        return mp

    async def existing(self, user_id: int) -> MentorProfile | None:
        return await self.s.get(MentorProfile, user_id)

    async def submit(self, user_id: int) -> Decision:
        mp = await self.profile(user_id)
        if mp.status == "pending":
            return Decision(False, "Your application is already waiting for an admin.")
        if mp.status == "approved":
            return Decision(False, "You're already an approved mentor.")
        if mp.status == "suspended":
            return Decision(False, "Your mentor profile is suspended; an admin has to lift it.")
        if not mp.headline or not mp.bio:
            return Decision(False, "A headline and a short bio are needed before applying.")
        band = await self.s.scalar(select(UserTrust.age_band).where(UserTrust.user_id == user_id))
        if band == MINOR:  # age safeguards (issue 18): a mentor must be 18+
            return Decision(False, MENTOR_ADULTS_ONLY)
        if self.needs_verified_email and await verified_of(self.s, user_id) is None:
            return Decision(
                False,
                "Mentors here need a verified college or company email first. Send "
                "`/verify you@college.edu`, then apply again with /mentor (your answers "
                "are kept).",
            )
        mp.status = "pending"
        mp.status_reason = ""
        mp.applied_at = self.now
        self.events.append(MentorApplied(user_id))
        return Decision(True, "submitted")

    async def _decide(
        self, admin: User, user_id: int, frm: tuple[str, ...], to: str, reason: str
    ) -> Decision:
        if not admin.is_admin:
            return Decision(False, "Only admins can do that.")
        # Conditional update so two admins deciding at once can't both win.
        res = await self.s.execute(
            update(MentorProfile)
            .where(MentorProfile.user_id == user_id, MentorProfile.status.in_(frm))
            .values(status=to, status_reason=reason, decided_at=self.now, decided_by=admin.id)
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
            mp = await self.s.get(MentorProfile, user_id)
            if mp is None:
                return Decision(False, "There is no mentor application for that user.")
            await self.s.refresh(mp)
            return Decision(False, await self._already(mp))
        self.s.add(
            AuditEntry(
                actor_id=admin.id,
                action=f"mentor.{to}",
                target=f"user:{user_id}",
                detail=reason,
                created_at=self.now,
            )
        )
        self.events.append(MentorDecided(user_id, to, reason, admin.id))
        return Decision(True, to)

    async def approve(self, admin: User, user_id: int) -> Decision:
        return await self._decide(admin, user_id, MOVES_FROM["approved"], "approved", "")

    async def reject(self, admin: User, user_id: int, reason: str) -> Decision:
        return await self._decide(admin, user_id, MOVES_FROM["rejected"], "rejected", reason)

    async def suspend(self, admin: User, user_id: int, reason: str) -> Decision:
        return await self._decide(admin, user_id, MOVES_FROM["suspended"], "suspended", reason)

    async def can_move(self, user_id: int, to: str) -> Decision:
        """Whether an application can still go to `to`, asked before anything else is (a
        reason for a rejection that can no longer happen is wasted typing)."""
        mp = await self.s.get(MentorProfile, user_id)
        if mp is None:
            return Decision(False, "There is no mentor application for that user.")
        if mp.status in MOVES_FROM[to]:
            return Decision(True, "")
        return Decision(False, await self._already(mp))

    async def _already(self, mp: MentorProfile) -> str:
        by = await self.s.get(User, mp.decided_by) if mp.decided_by else None
        who = f" by {by.display_name}" if by else ""
        return f"Nothing changed: that application is already {mp.status}{who}."

    async def pending(self, limit: int = 20) -> list[tuple[User, MentorProfile]]:
        rows = await self.s.execute(
            select(User, MentorProfile)
            .join(MentorProfile, MentorProfile.user_id == User.id)
            .where(MentorProfile.status == "pending")
            .order_by(MentorProfile.applied_at, User.id)
            .limit(limit)
        )
        return [(r[0], r[1]) for r in rows]

    async def count_by_status(self) -> dict[str, int]:
        rows = await self.s.execute(
            select(MentorProfile.status, func.count()).group_by(MentorProfile.status)
        )
        return {r[0]: int(r[1]) for r in rows}
