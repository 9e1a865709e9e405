"""Calendar files (.ics) for sessions, and signed tokens for each user's private feed URL."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from icalendar import Calendar, Event

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


def feed_token(key: bytes, user_id: int) -> str:
    """An unguessable, stable token naming one user's feed; no table needed to check it."""
    mac = hmac.new(key, f"calendar:{user_id}".encode(), hashlib.sha256).digest()[:15]
    return f"{user_id}-{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def user_of_feed_token(key: bytes, token: str) -> int | None:
    uid, _, _mac = token.partition("-")
    if not uid.isdigit():
        return None
    return int(uid) if hmac.compare_digest(feed_token(key, int(uid)), token) else None
