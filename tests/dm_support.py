"""Direct-message test helpers: two people on their platforms who booked each other."""

from __future__ import annotations

from datetime import timedelta

from core.app import CoreApp
from core.booking.tables import Booking
from core.db.schema import MentorProfile
from core.messaging import Actor

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4


async def person(core: CoreApp, actor: Actor, mentor: bool = False) -> int:
    async with core.uow() as u:
        user, _ = await u.identity.resolve(actor)
        user.display_name = actor.display_name
        user.onboarded = True
        if mentor and await u.session.get(MentorProfile, user.id) is None:
            user.wants_to_mentor = True
            u.session.add(
                MentorProfile(
                    user_id=user.id, headline=f"{actor.display_name} mentors", status="approved",
                    price_mode="free", price_minor=0, session_lengths=[30],
                )
            )  # fmt: skip
        return user.id


async def booked(core: CoreApp, learner_id: int, mentor_id: int, status: str = "completed") -> int:
    """A session the two had (a row as the booking service leaves it)."""
    async with core.uow() as u:
        start = u.now - timedelta(days=1)
        b = Booking(
            mentor_id=mentor_id, learner_id=learner_id, starts_at=start,
            ends_at=start + timedelta(minutes=30), length_min=30, topic="Python",
            status=status, price_mode="free", respond_by=start, created_at=start,
            decided_at=start, completed_at=start if status == "completed" else None,
        )  # fmt: skip
        u.session.add(b)
        await u.session.flush()
        return b.id
