"""How bookings read in chat: times in the viewer's own zone, prices, links."""

from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime

from core.booking.tables import Booking
from core.dialogs.views import money
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


def room_token(key: bytes, booking_id: int, user_id: int) -> str:
    mac = hmac.new(key, f"room:{booking_id}:{user_id}".encode(), hashlib.sha256).digest()[:15]
    return f"{booking_id}.{user_id}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def room_of_token(key: bytes, token: str) -> tuple[int, int] | None:
    parts = token.split(".")
    if len(parts) != 3 or not parts[0].isdigit() or not parts[1].isdigit():
        return None
    booking_id, user_id = int(parts[0]), int(parts[1])
    if not hmac.compare_digest(room_token(key, booking_id, user_id), token):
        return None
    return booking_id, user_id


def room_url(public_url: str, key: bytes, b: Booking, user_id: int) -> str:
    return f"{public_url}/room/{room_token(key, b.id, user_id)}"


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
