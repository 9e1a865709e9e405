"""Badges awarded as sessions complete, ratings are revealed and posts are marked helpful
(exactly once: the table's unique key). Each new badge is told to its holder once, in a
short message on their primary platform through the outbox; `mentorbot badges recompute`
(Badges.repair) tells nobody. After a session the badge message is queued before the rating
prompt (see the handler table), so the prompt stays the last thing people read."""

from __future__ import annotations

from core.booking.badges import Badge
from core.booking.tables import Booking
from core.db.badges import badge_label
from core.events import PostMarkedHelpful, RatingsRevealed, SessionCompleted
from core.markup import esc
from core.messaging import Reply
from core.uow import UnitOfWork


async def award(u: UnitOfWork, ev: SessionCompleted | RatingsRevealed) -> None:
    b = await u.session.get(Booking, ev.booking_id)
    if b is not None:
        await tell(u, await u.badges.award(b.mentor_id, b.learner_id))


async def helpful_post(u: UnitOfWork, ev: PostMarkedHelpful) -> None:
    await tell(u, await u.badges.award(ev.author_id))


async def tell(u: UnitOfWork, new: list[Badge]) -> None:
    for user_id, kind, scope in new:
        await u.notify(
            user_id,
            [Reply(f"🏅 New badge: *{esc(badge_label(kind, scope))}*. See yours with /badges.")],
            kind="badge",  # core.quiet: waits out the person's quiet hours
        )
