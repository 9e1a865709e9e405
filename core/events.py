"""Domain events: raised by services inside a transaction, handled before it commits."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MentorApplied:
    user_id: int


@dataclass(frozen=True)
class MentorDecided:
    user_id: int
    status: str  # approved | rejected | suspended
    reason: str
    admin_id: int


@dataclass(frozen=True)
class SkillTagCreated:
    skill_id: int
    name: str
    user_id: int


@dataclass(frozen=True)
class AccountsLinked:
    user_id: int
    account_id: int


@dataclass(frozen=True)
class PaymentCaptured:
    """The gateway has the money; it now sits in escrow tagged `{purpose}:{ref_id}`."""

    payment_id: int
    purpose: str
    ref_id: int
    amount: int
    currency: str


@dataclass(frozen=True)
class PaymentFailed:
    payment_id: int
    purpose: str
    ref_id: int
    reason: str


@dataclass(frozen=True)
class WithdrawalRequested:
    withdrawal_id: int
    user_id: int
    amount: int
    currency: str


@dataclass(frozen=True)
class WithdrawalDecided:
    withdrawal_id: int
    user_id: int
    status: str  # paid | rejected
    amount: int
    currency: str
    reason: str


# ---- bookings ------------------------------------------------------------------------


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


@dataclass(frozen=True)
class SlotsOpened:
    """A person's weekly availability gained time (in their own zone)."""

    user_id: int
    added: str  # "Sat 10:00–13:00", as format_windows writes it


@dataclass(frozen=True)
class PersonReported:
    """Someone reported a person; `open_reporters` counts distinct people with open reports."""

    report_id: int
    target_user_id: int
    open_reporters: int


@dataclass(frozen=True)
class PostMarkedHelpful:
    """Someone marked a mentor's post helpful (once per person and post)."""

    post_id: int
    author_id: int


@dataclass(frozen=True)
class SwapProposed:
    swap_id: int


@dataclass(frozen=True)
class SwapDecided:
    swap_id: int
    accepted: bool


Event = (
    MentorApplied
    | MentorDecided
    | SkillTagCreated
    | AccountsLinked
    | PaymentCaptured
    | PaymentFailed
    | WithdrawalRequested
    | WithdrawalDecided
    | SlotsOpened
    | PersonReported
    | SwapProposed
    | SwapDecided
    | PostMarkedHelpful
    | BookingEvent
)
