"""A person's calendar feed: active and recent sessions, cancelled ones marked; its URL
carries a version the person can bump to revoke every URL given out before."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.tables import Booking
from core.booking.views import room_url
from core.calendar import SessionEntry, claim_of_feed_token, feed_token, session_ics
from core.db.feeds import CalendarFeed
from core.db.schema import User
from core.signing import Keys


async def feed_version(s: AsyncSession, user_id: int) -> int:
    row = await s.get(CalendarFeed, user_id)
    return row.version if row is not None else 0


async def reset_feed(s: AsyncSession, user_id: int) -> int:
    """A new feed URL for this person; every URL they had before stops working."""
    row = await s.get(CalendarFeed, user_id, with_for_update=True)
    if row is None:
        row = CalendarFeed(user_id=user_id, version=0)
        s.add(row)
    row.version += 1
    await s.flush()
    return row.version


async def feed_path(s: AsyncSession, keys: Keys, user_id: int) -> str:
    return f"/calendar/{feed_token(keys, user_id, await feed_version(s, user_id))}.ics"


async def feed_of_token(
    s: AsyncSession, public_url: str, keys: Keys, token: str, now: datetime
) -> bytes | None:
    """The feed a URL names, or None when the token is not ours or was reset since."""
    claim = claim_of_feed_token(keys, token)
    if claim is None or claim.version != await feed_version(s, claim.user_id):
        return None
    if await s.get(User, claim.user_id) is None:
        return None
    return await user_feed(s, public_url, keys, claim.user_id, now)


async def user_feed(
    s: AsyncSession, public_url: str, keys: Keys, user_id: int, now: datetime
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
                url=room_url(public_url, keys, b, user_id),
                cancelled=b.status == "cancelled",
                sequence=1 if b.status == "cancelled" else 0,
            )
        )
    return session_ics(entries, now, name="MentorBot sessions")
