"""Who may be in a booking's call room, and when (DESIGN §7): from a few minutes before the
start to the end plus a grace period, only the two booked people, each with their own link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.booking.tables import ACTIVE, Booking
from core.booking.views import RoomTicket
from core.policies import Policies


class Access(StrEnum):
    OPEN = "open"
    TOO_EARLY = "too_early"
    EXPIRED = "expired"
    CANCELLED = "cancelled"  # or otherwise not going ahead: declined, expired request…
    NOT_YOURS = "not_yours"


@dataclass(frozen=True)
class RoomWindow:
    opens_at: datetime
    starts_at: datetime
    ends_at: datetime
    closes_at: datetime

    @classmethod
    def of(cls, b: Booking, p: Policies) -> RoomWindow:
        return cls(
            opens_at=b.starts_at - timedelta(minutes=p.room_opens_before_min),
            starts_at=b.starts_at,
            ends_at=b.ends_at,
            closes_at=b.ends_at + timedelta(minutes=p.room_grace_min),
        )


def access(b: Booking | None, ticket: RoomTicket, now: datetime, p: Policies) -> Access:
    """The order matters: a link for someone else's booking says so before anything else."""
    if b is None:
        return Access.NOT_YOURS
    expected = b.mentor_id if ticket.role == "mentor" else b.learner_id
    if ticket.user_id != expected:
        return Access.NOT_YOURS
    window = RoomWindow.of(b, p)
    if b.status == "completed":
        return Access.EXPIRED
    if b.status not in ACTIVE:
        return Access.CANCELLED
    if now < window.opens_at:
        return Access.TOO_EARLY
    if now >= window.closes_at:
        return Access.EXPIRED
    if b.status != "confirmed":
        return Access.CANCELLED  # never accepted (or never paid) in time: no session
    return Access.OPEN
