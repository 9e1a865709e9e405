"""How bookings read in chat: times in the viewer's own zone, prices, links."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime

from core.booking.tables import Booking
from core.text import money
from core.timezones import zone


def when(at: datetime, tz_name: str | None, *, with_zone: bool = True) -> str:
    tz = tz_name or "UTC"
    local = at.astimezone(zone(tz))
    text = local.strftime("%a %d %b, %H:%M")
    return f"{text} ({tz})" if with_zone else text


def day_label(at: datetime, tz_name: str | None) -> str:
    return at.astimezone(zone(tz_name or "UTC")).strftime("%a %d %b")


def hm(at: datetime, tz_name: str | None) -> str:
    return at.astimezone(zone(tz_name or "UTC")).strftime("%H:%M")


def price_text(mode: str, amount_minor: int, currency: str) -> str:
    if mode == "free" or (mode == "paid" and amount_minor == 0):
        return "free"
    if mode == "credits":
        return f"{amount_minor} credit" + ("s" if amount_minor != 1 else "")
    return money(amount_minor, currency)


ROLES = {"m": "mentor", "l": "learner"}


@dataclass(frozen=True)
class RoomTicket:
    """What a room link proves: this user, in this role, for this booking."""

    booking_id: int
    user_id: int
    role: str  # mentor | learner


def room_token(key: bytes, booking_id: int, user_id: int, role: str) -> str:
    r = role[0]
    if r not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    msg = f"room:{booking_id}:{user_id}:{r}".encode()
    mac = hmac.new(key, msg, hashlib.sha256).digest()[:15]
    return f"{booking_id}.{user_id}.{r}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def room_of_token(key: bytes, token: str) -> RoomTicket | None:
    parts = token.split(".")
    if len(parts) != 4 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    if parts[2] not in ROLES or len(token) > 80:
        return None
    booking_id, user_id = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(room_token(key, booking_id, user_id, parts[2]), token):
        return None
    return RoomTicket(booking_id, user_id, ROLES[parts[2]])


def room_url(public_url: str, key: bytes, b: Booking, user_id: int) -> str:
    role = "mentor" if user_id == b.mentor_id else "learner"
    return f"{public_url}/room/{room_token(key, b.id, user_id, role)}"


STATUS_LABELS = {
    "requested": "⏳ waiting for the mentor",
    "accepted": "💳 accepted, waiting for payment",
    "confirmed": "✅ confirmed",
    "declined": "declined",
    "expired": "expired (no answer)",
    "cancelled": "cancelled",
    "completed": "completed",
    "disputed": "reported, an admin will look",
}
