"""How bookings read in chat: times in the viewer's own zone, prices, links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.booking.tables import Booking
from core.currency import money
from core.signing import Keys, legacy_valid, sign, unsign
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


def room_token(keys: Keys, booking_id: int, user_id: int, role: str) -> str:
    r = role[0]
    if r not in ROLES:
        raise ValueError(f"unknown role {role!r}")
    return sign(keys, "room", f"{booking_id}.{user_id}.{r}")


def room_of_token(keys: Keys, token: str) -> RoomTicket | None:
    """What a room token proves, or None for anything we did not sign (garbage included)."""
    if len(token) > 120:
        return None
    value = unsign(keys, "room", token)
    if value is not None:
        parts = value.split(".")
        legacy = False
    else:
        # Links sent before core.signing: `booking.user.role.<15-byte HMAC of room:b:u:r>`.
        parts = token.split(".")
        legacy = True
    if len(parts) != 3 + legacy or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    if parts[2] not in ROLES or not parts[0].isascii() or not parts[1].isascii():
        return None
    booking_id, user_id = int(parts[0]), int(parts[1])
    if legacy and not legacy_valid(keys, f"room:{booking_id}:{user_id}:{parts[2]}", parts[3], 15):
        return None
    return RoomTicket(booking_id, user_id, ROLES[parts[2]])


def room_url(public_url: str, keys: Keys, b: Booking, user_id: int) -> str:
    role = "mentor" if user_id == b.mentor_id else "learner"
    return f"{public_url}/room/{room_token(keys, b.id, user_id, role)}"


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
