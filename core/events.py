"""Domain events: raised by services inside a transaction, handled before it commits."""

from __future__ import annotations

from dataclasses import dataclass

from core.booking.events import BookingEvent


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


Event = (
    MentorApplied
    | MentorDecided
    | SkillTagCreated
    | AccountsLinked
    | PaymentCaptured
    | PaymentFailed
    | WithdrawalRequested
    | WithdrawalDecided
    | BookingEvent
)


def profiles_touched(user_id: int, events: list[Event]) -> set[int]:
    """Profiles a step may have changed: the actor's own, and those its events name
    (bookings and payments leave profiles alone)."""
    ids = {user_id}
    ids.update(
        ev.user_id
        for ev in events
        if isinstance(ev, (MentorApplied, MentorDecided, AccountsLinked))
    )
    return ids
