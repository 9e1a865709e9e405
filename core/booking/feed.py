"""A person's calendar feed: active and recent sessions, cancelled ones marked."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.tables import Booking
from core.booking.views import room_url
from core.calendar import SessionEntry, session_ics
from core.db.schema import User


async def user_feed(
    s: AsyncSession, public_url: str, signing_key: bytes, user_id: int, now: datetime
) -> bytes:
    rows = list(
        await s.scalars(
            select(Booking)
            .where(
                (Booking.mentor_id == user_id) | (Booking.learner_id == user_id),
                Booking.starts_at >= now - timedelta(days=60),
                Booking.status.in_(["confirmed", "completed", "cancelled", "disputed"]),
            )
            .order_by(Booking.starts_at)
        )
    )
    entries: list[SessionEntry] = []
    for b in rows:
        other = await s.get(User, b.learner_id if user_id == b.mentor_id else b.mentor_id)
        entries.append(
            SessionEntry(
                booking_id=b.id,
                starts_at=b.starts_at,
                ends_at=b.ends_at,
                title=f"MentorBot: {b.length_min} min with "
                f"{other.display_name if other else 'your partner'}",
                description=f"Topic: {b.topic}",
                url=room_url(public_url, signing_key, b, user_id),
                cancelled=b.status == "cancelled",
                sequence=1 if b.status == "cancelled" else 0,
            )
        )
    return session_ics(entries, now, name="MentorBot sessions")
