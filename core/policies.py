"""Platform policies (DESIGN §7). Defaults here; every one is a setting in mentorbot."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policies:
    page_size: int = 5
    default_price_minor: int = 10000
    currency: str = "INR"
    session_lengths: tuple[int, ...] = (10, 20, 30)
    default_session_minutes: int = 10
    public_url: str = "http://127.0.0.1:8080"
    # Booking
    booking_horizon_days: int = 14
    slot_step_min: int = 30
    min_notice_min: int = 90
    buffer_min: int = 5
    respond_within_h: int = 12
    respond_before_start_h: int = 1
    learner_full_refund_h: int = 3
    completion_grace_min: int = 15
    group_max_seats: int = 6  # learners in one group session (the call takes seats + 1)
    reminder_offsets_min: tuple[int, ...] = (24 * 60, 15)
    rating_reveal_days: int = 7
    # Call rooms
    room_opens_before_min: int = 10
    room_grace_min: int = 5
    no_show_after_min: int = 5
    # Money (DESIGN §5, §7)
    starter_credits: int = 2
    platform_fee_bps: int = 3000
    min_withdrawal_minor: int = 50000
    # Communities: mentors with this many completed sessions may create one (admins always)
    community_creator_min_sessions: int = 5
    # Outbox: a failed delivery is tried again after base, 2 x base, 4 x base ... (never
    # more than max_delay apart); after max_attempts tries it is a dead letter for admins.
    outbox_retry_base_s: int = 30
    outbox_retry_max_delay_s: int = 3600
    outbox_max_attempts: int = 8
    outbox_batch: int = 100  # rows claimed per platform per sweep
