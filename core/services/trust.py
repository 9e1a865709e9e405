"""Age bands and profile pictures (issue 18).

Age safeguards: a person under 18 cannot book a paid session, cannot mentor, is never
recorded in a call, and is not shown on public web pages. People who joined before age
bands were asked have none (None): they are asked at their next paid booking."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.avatars import AvatarStore, Pictures
from core.db.schema import MentorProfile
from core.db.trust import AGE_BANDS, MINOR, UserTrust

AGE_LABELS = {
    "under18": "13–17",
    "18plus": "18 or older",
    "18to24": "18–24",
    "25plus": "25 or older",
}
MENTOR_ADULTS_ONLY = (
    "Mentors must be 18 or older, so I can't take a mentor application from you. "
    "You can still learn: /find a mentor for free or credit sessions."
)
MENTOR_UNDER_18 = "Mentors must be 18 or older."
WITHDRAWN = (
    "Mentors must be 18 or older, so your mentor profile is off for now: learners can't "
    "find or book you. You can still learn."
)
PAID_ADULTS_ONLY = (
    "Paid sessions are for people 18 or older. You can book mentors who offer free or "
    "credit sessions — try /find."
)


class Trust:
    def __init__(self, session: AsyncSession, now: datetime, avatars: AvatarStore) -> None:
        self.s = session
        self.now = now
        self.avatars = avatars

    async def _row(self, user_id: int) -> UserTrust:
        row = await self.s.get(UserTrust, user_id)
        if row is None:
            row = UserTrust(user_id=user_id, avatar_source="", updated_at=self.now)
            self.s.add(row)
        return row

    async def age_band(self, user_id: int) -> str | None:
        row = await self.s.get(UserTrust, user_id)
        return row.age_band if row is not None else None

    async def set_age_band(self, user_id: int, band: str) -> bool:
        """Stores the band. True: the person was a mentor (applied or approved) and is under
        18, so their mentor profile is suspended: mentors are adults."""
        if band not in AGE_BANDS:
            raise ValueError(f"unknown age band {band!r}")
        row = await self._row(user_id)
        row.age_band = band
        row.updated_at = self.now
        if band != MINOR:
            return False
        res = await self.s.execute(
            update(MentorProfile)
            .where(
                MentorProfile.user_id == user_id,
                MentorProfile.status.in_(("pending", "approved")),
            )
            .values(status="suspended", status_reason=MENTOR_UNDER_18, decided_at=self.now)
        )
        return bool(res.rowcount)  # type: ignore[attr-defined]

    async def is_minor(self, user_id: int) -> bool:
        return await self.age_band(user_id) == MINOR

    async def minors(self, user_ids: Iterable[int]) -> set[int]:
        ids = list(set(user_ids))
        if not ids:
            return set()
        rows = await self.s.scalars(
            select(UserTrust.user_id).where(UserTrust.user_id.in_(ids), UserTrust.age_band == MINOR)
        )
        return set(rows)

    async def set_avatar(self, user_id: int, pictures: Pictures, source: str) -> str:
        """Stores the pictures; returns the new name (the old pictures are removed)."""
        name = self.avatars.save(pictures)
        row = await self._row(user_id)
        old = row.avatar
        row.avatar, row.avatar_source, row.updated_at = name, source[:16], self.now
        if old:
            self.avatars.delete(old)
        return name

    async def remove_avatar(self, user_id: int) -> None:
        row = await self.s.get(UserTrust, user_id)
        if row is not None and row.avatar:
            self.avatars.delete(row.avatar)
            row.avatar, row.avatar_source, row.updated_at = None, "", self.now

    async def avatar(self, user_id: int) -> str | None:
        row = await self.s.get(UserTrust, user_id)
        return row.avatar if row is not None else None

    async def avatars_of(self, user_ids: Iterable[int]) -> dict[int, str]:
        ids = list(set(user_ids))
        if not ids:
            return {}
        rows = await self.s.execute(
            select(UserTrust.user_id, UserTrust.avatar).where(
                UserTrust.user_id.in_(ids), UserTrust.avatar.is_not(None)
            )
        )
        return {uid: name for uid, name in rows if name}
