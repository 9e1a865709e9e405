"""Badges awarded as sessions complete and ratings are revealed; each person told once."""

from __future__ import annotations

from core.booking.tables import Booking
from core.db.badges import badge_label
from core.events import RatingsRevealed, SessionCompleted
from core.messaging import Reply
from core.uow import UnitOfWork


async def award(u: UnitOfWork, ev: SessionCompleted | RatingsRevealed) -> None:
    b = await u.session.get(Booking, ev.booking_id)
    if b is None:
        return
    for uid, kind, scope in await u.badges.award(b.mentor_id, b.learner_id):
        await u.notify(uid, [Reply(f"🏅 New badge: {badge_label(kind, scope)} (see /badges)")])
