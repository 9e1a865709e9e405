"""Badges awarded as sessions complete and ratings are revealed (exactly once: the table's
unique key). Quietly: they show on the profile and in /badges, and the messages that follow a
session (the rating prompt) stay the last thing people read."""

from __future__ import annotations

from core.booking.tables import Booking
from core.events import RatingsRevealed, SessionCompleted
from core.uow import UnitOfWork


async def award(u: UnitOfWork, ev: SessionCompleted | RatingsRevealed) -> None:
    b = await u.session.get(Booking, ev.booking_id)
    if b is not None:
        await u.badges.award(b.mentor_id, b.learner_id)
