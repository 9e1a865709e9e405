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
    # Trust steps (issue 18), MENTORBOT_ASK_AGE_BAND / MENTORBOT_ASK_PHOTO. With the age
    # question off, people without an age group book as before; the safeguards for anyone
    # who said they are under 18 hold either way.
    ask_age_band: bool = True  # onboarding, the mentor application, a paid booking
    ask_photo: bool = False  # an optional photo step at the end of the mentor questions
    # Profile pictures (issue 18): refused above these, checked by content
    avatar_max_bytes: int = 5 * 1024 * 1024
    avatar_max_pixels: int = 24_000_000
    # Communities: mentors with this many completed sessions may create one (admins always)
    community_creator_min_sessions: int = 5
    # Skill swaps: how many partners /swap suggests; what cancelling one half does to the
    # other: "both" cancels it too (each credit refunded or kept by the usual rules),
    # "keep" leaves it as an ordinary session.
    swap_suggestions: int = 5
    # Learner -> mentor upgrade: invited (once) after this many completed sessions as a
    # learner with at least this average rating from their mentors (and, when on, a
    # verified email: core/booking/upgrade.py email_verified_hook).
    upgrade_min_sessions: int = 3
    upgrade_min_rating: float = 4.5
    upgrade_requires_verified_email: bool = False
    # Badges: sessions taught, weeks in a row of learning, ratings a monthly top needs
    badge_taught_levels: tuple[int, ...] = (5, 25, 100)
    badge_streak_weeks: int = 4
    badge_top_min_ratings: int = 2
    badge_helpful_marks: int = 5  # others' "Helpful" marks on one's posts, all posts together
    # Busy-calendar import: how often feeds are reloaded, what a load may take, and the
    # hosts allowed although private (tests serve from 127.0.0.1; production: none)
    busy_feed_refresh_min: int = 30
    busy_feed_timeout_s: int = 10
    busy_feed_max_bytes: int = 1_000_000
    busy_feed_allow_hosts: tuple[str, ...] = ()
    swap_cancel_policy: str = "both"
    # Outbox: a failed delivery is tried again after base, 2 x base, 4 x base ... (never
    # more than max_delay apart); after max_attempts tries it is a dead letter for admins.
    outbox_retry_base_s: int = 30
    outbox_retry_max_delay_s: int = 3600
    outbox_max_attempts: int = 8
    outbox_batch: int = 100  # rows claimed per platform per sweep
    # Email verification by one-time code (issue 18). Sends are counted per address, per
    # person and per domain in windows of verify_window_min minutes.
    verify_code_ttl_min: int = 10
    verify_max_attempts: int = 5
    verify_window_min: int = 60
    verify_sends_per_address: int = 3
    verify_sends_per_person: int = 5
    verify_sends_per_domain: int = 50
    verify_listed_domains_only: bool = False  # only domains an admin listed can be verified
    mentor_needs_verified_email: bool = False  # a mentor application needs a verified email
    paid_booking_needs_verified_email: bool = False  # so does booking a paid session
    # Direct messages (issue #16)
    dm_intro_requests_per_day: int = 3  # intro requests a learner may send in 24 hours
    dm_retention_days: int = 365  # messages older than this are deleted by the scheduler
    dm_rate_per_min: int = 20  # messages one person may send a minute (burst dm_burst)
    dm_burst: int = 8
    # Safety and privacy: open reports from this many different people alert the admins;
    # /privacy delete waits this many days (cancellable) before erasing.
    report_alert_threshold: int = 3
    erasure_grace_days: int = 7
    terms_version: str = "2026-12"
