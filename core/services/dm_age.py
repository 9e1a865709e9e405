"""Direct messages and under-18s (issue 18): an adult may write to someone under 18 only
about a session the two booked together; an under-18 may write to a mentor they booked.

A pair "booked together" when a booking between them was ever accepted: a request that was
declined or expired never was a session, so it opens nothing. A person who never gave an
age group counts as an adult here (the question is asked at onboarding and at a paid
booking), so the rule holds for everyone who said they are under 18."""

from __future__ import annotations

from sqlalchemy import and_, column, func, or_, select, table
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.trust import MINOR, UserTrust

# Bookings are the booking layer's; only whether the pair had one is read here.
_bookings = table("bookings", column("learner_id"), column("mentor_id"), column("status"))
_NEVER_A_SESSION = ("declined", "expired")

TO_MINOR = "You can't write to them here until the two of you have a session booked together."
FROM_MINOR = (
    "People under 18 can message a mentor once they've booked a session with them. "
    "Book from their profile — free and credit sessions are fine."
)


async def _booked_together(s: AsyncSession, a: int, b: int) -> bool:
    n = await s.scalar(
        select(func.count())
        .select_from(_bookings)
        .where(
            or_(
                and_(_bookings.c.learner_id == a, _bookings.c.mentor_id == b),
                and_(_bookings.c.learner_id == b, _bookings.c.mentor_id == a),
            ),
            _bookings.c.status.not_in(_NEVER_A_SESSION),
        )
    )
    return bool(n)


async def minor_dm_refusal(s: AsyncSession, sender_id: int, other_id: int) -> str | None:
    """Why `sender_id` may not write to `other_id` (None: they may). Only a pair of one
    under-18 and one adult without a booking together is refused; the words are for the
    sender, and never tell an adult the other person's age."""
    minors = set(
        await s.scalars(
            select(UserTrust.user_id).where(
                UserTrust.user_id.in_((sender_id, other_id)), UserTrust.age_band == MINOR
            )
        )
    )
    if len(minors) != 1 or sender_id == other_id:
        return None
    if await _booked_together(s, sender_id, other_id):
        return None
    return FROM_MINOR if sender_id in minors else TO_MINOR
