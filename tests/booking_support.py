"""Direct-to-database people for booking tests (the dialogs have their own journeys)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.availability import Window
from core.db.schema import AvailabilityWindow, MentorProfile, User


async def add_user(s: AsyncSession, name: str, now: datetime, tz: str = "Asia/Kolkata") -> int:
    u = User(display_name=name, created_at=now, onboarded=True, timezone=tz, wants_to_learn=True)
    s.add(u)
    await s.flush()
    return u.id


async def add_mentor(
    s: AsyncSession,
    name: str,
    now: datetime,
    *,
    tz: str = "Asia/Kolkata",
    windows: Sequence[Window] = tuple(Window(d, 18 * 60, 21 * 60) for d in range(7)),
    lengths: Sequence[int] = (10, 20, 30),
    price_mode: str = "free",
    price_minor: int = 0,
) -> int:
    uid = await add_user(s, name, now, tz)
    s.add(
        MentorProfile(
            user_id=uid,
            headline=f"{name} mentors",
            status="approved",
            price_mode=price_mode,
            price_minor=price_minor,
            session_lengths=list(lengths),
        )
    )
    for w in windows:
        s.add(AvailabilityWindow(user_id=uid, weekday=w.weekday, start_min=w.start, end_min=w.end))
    await s.flush()
    return uid
