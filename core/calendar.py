"""Calendar files (.ics) for sessions, and signed tokens for each user's private feed URL."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from core.signing import Keys, legacy_valid, sign, unsign

PRODID = "-//MentorBot//Sessions//EN"


@dataclass(frozen=True)
class SessionEntry:
    booking_id: int
    starts_at: datetime
    ends_at: datetime
    title: str
    description: str
    url: str
    cancelled: bool = False
    sequence: int = 0


def session_ics(entries: Iterable[SessionEntry], now: datetime, *, name: str = "") -> bytes:
    # Imported on the first feed asked for, not at every server start (about 0.1 s).
    from icalendar import Calendar, Event

    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    if name:
        cal.add("x-wr-calname", name)
    for e in entries:
        ev = Event()
        # A stable UID lets a calendar update (or cancel) the same event on the next fetch.
        ev.add("uid", f"booking-{e.booking_id}@mentorbot")
        ev.add("dtstamp", now)
        ev.add("dtstart", e.starts_at)
        ev.add("dtend", e.ends_at)
        ev.add("summary", e.title)
        ev.add("description", f"{e.description}\n\nJoin: {e.url}".strip())
        ev.add("url", e.url)
        ev.add("sequence", e.sequence)
        ev.add("status", "CANCELLED" if e.cancelled else "CONFIRMED")
        cal.add_component(ev)
    data: bytes = cal.to_ical()
    return data


@dataclass(frozen=True)
class FeedClaim:
    """What a feed URL claims: whose feed, at which version (see core.db.feeds)."""

    user_id: int
    version: int


def feed_token(keys: Keys, user_id: int, version: int = 0) -> str:
    """An unguessable token naming one user's feed; resetting the feed bumps the version."""
    return sign(keys, "calendar", f"{user_id}-{version}")


def claim_of_feed_token(keys: Keys, token: str) -> FeedClaim | None:
    value = unsign(keys, "calendar", token)
    if value is not None:
        uid, _, version = value.partition("-")
        if uid.isdecimal() and version.isdecimal():
            return FeedClaim(int(uid), int(version))
        return None
    # URLs handed out before core.signing: `user-<15-byte HMAC of calendar:user>`, version 0.
    uid, _, mac = token.partition("-")
    if not uid.isdecimal() or not uid.isascii() or len(uid) > 18:
        return None
    return FeedClaim(int(uid), 0) if legacy_valid(keys, f"calendar:{int(uid)}", mac, 15) else None
