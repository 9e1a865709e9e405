"""Booking events, raised inside the transaction and turned into messages by notices.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class BookingRequested:
    booking_id: int
    rescheduled: bool = False


@dataclass(frozen=True)
class BookingConfirmed:
    booking_id: int


@dataclass(frozen=True)
class BookingCancelled:
    booking_id: int
    by: str  # mentor | learner
    declined: bool = False
    mentor_paid: bool = False
    no_show: bool = False  # the mentor never joined the call room


@dataclass(frozen=True)
class BookingExpired:
    booking_id: int


@dataclass(frozen=True)
class ReminderDue:
    booking_id: int
    minutes_before: int


@dataclass(frozen=True)
class SessionCompleted:
    booking_id: int


@dataclass(frozen=True)
class BookingDisputed:
    booking_id: int
    by: int


@dataclass(frozen=True)
class NoShowDecided:
    """Join records showed someone absent: a mentor no-show is refunded, a learner no-show paid."""

    booking_id: int
    verdict: str  # a core.booking.noshow.Verdict value


@dataclass(frozen=True)
class RatingsRevealed:
    booking_id: int


BookingEvent = (
    BookingRequested
    | BookingConfirmed
    | BookingCancelled
    | BookingExpired
    | ReminderDue
    | SessionCompleted
    | RatingsRevealed
    | BookingDisputed
    | NoShowDecided
)
