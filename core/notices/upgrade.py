"""A learner who now meets the upgrade criteria is invited, once, to teach what they learned."""

from __future__ import annotations

from core.booking.payloads import Up
from core.booking.tables import Booking
from core.events import RatingsRevealed, SessionCompleted
from core.markup import esc
from core.messaging import Button, Reply
from core.uow import UnitOfWork


async def maybe_invite(u: UnitOfWork, ev: SessionCompleted | RatingsRevealed) -> None:
    b = await u.session.get(Booking, ev.booking_id)
    if b is None:
        return
    invite = await u.upgrades.check(b.learner_id)
    if invite is None:
        return
    what = f" — {esc(invite.skills)}" if invite.skills else ""
    await u.notify(
        b.learner_id,
        [
            Reply(
                f"🎓 You've completed {invite.sessions} sessions and your mentors rate you "
                f"{invite.rating_tenths / 10:.1f}★. Would you teach what you learned{what}? "
                "Your mentor application is prefilled, and admins see it as a fast track.",
                buttons=((Button("🎓 Apply to mentor", Up("apply").pack()),),),
            )
        ],
        kind="invite",
    )
