"""The handler table (event type → handlers), built once by the composition root."""

from __future__ import annotations

from core.events import (
    AccountsLinked,
    BookingCancelled,
    BookingConfirmed,
    BookingDisputed,
    BookingExpired,
    BookingRequested,
    MentorApplied,
    MentorDecided,
    NoShowDecided,
    PaymentCaptured,
    PaymentFailed,
    PersonReported,
    PostMarkedHelpful,
    RatingsRevealed,
    ReminderDue,
    SessionCompleted,
    SkillTagCreated,
    SlotsOpened,
    SwapDecided,
    SwapProposed,
    WithdrawalDecided,
    WithdrawalRequested,
)
from core.notices import (
    badges,
    booking,
    disputes,
    follows,
    payments,
    people,
    safety,
    swaps,
    upgrade,
    wishes,
)
from core.uow import Handler

HANDLERS: dict[type, tuple[Handler, ...]] = {
    MentorApplied: (people.profile_changed, people.mentor_applied),
    MentorDecided: (people.profile_changed, people.mentor_decided, wishes.mentor_answers_wishes),
    AccountsLinked: (people.profile_changed,),
    SkillTagCreated: (people.skill_tag_created,),
    SlotsOpened: (follows.slots_opened,),
    PersonReported: (safety.person_reported,),
    WithdrawalRequested: (people.withdrawal_requested,),
    WithdrawalDecided: (people.withdrawal_decided,),
    PaymentCaptured: (payments.booking_payment_captured,),
    PaymentFailed: (payments.booking_payment_failed,),
    BookingRequested: (booking.requested,),
    BookingConfirmed: (booking.confirmed,),
    BookingCancelled: (booking.ended, swaps.half_ended),
    BookingExpired: (booking.ended, swaps.half_ended),
    SwapProposed: (swaps.proposed,),
    SwapDecided: (swaps.decided,),
    ReminderDue: (booking.reminder,),
    # Badges first: their message goes before the rating prompt, which stays last.
    SessionCompleted: (badges.award, booking.completed, upgrade.maybe_invite),
    NoShowDecided: (booking.no_show,),
    BookingDisputed: (booking.disputed, disputes.ask_other_side),
    RatingsRevealed: (booking.revealed, upgrade.maybe_invite, badges.award),
    PostMarkedHelpful: (badges.helpful_post,),
}


def core_handlers(
    extra: dict[type, tuple[Handler, ...]] | None = None,
) -> dict[type, tuple[Handler, ...]]:
    """The core's handlers, plus any an adapter adds (run after the core's)."""
    table = dict(HANDLERS)
    for kind, handlers in (extra or {}).items():
        table[kind] = table.get(kind, ()) + handlers
    return table
