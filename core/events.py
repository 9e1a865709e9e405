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


Event = MentorApplied | MentorDecided | SkillTagCreated | AccountsLinked | BookingEvent
