"""Signals, each a value in [0, 1] per candidate mentor (vectorised with numpy)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt

from core.availability import Window
from core.recommend import TimeWindow
from core.timezones import zone

F32 = npt.NDArray[np.float32]
SLOT_MIN = 30
SLOTS_PER_WEEK = 7 * 24 * 60 // SLOT_MIN  # half-hour slots: exact for UTC+05:30
LEVEL_RANK = {"beginner": 1, "intermediate": 2, "advanced": 3}
SIGNALS = (
    "skill",
    "level",
    "semantic",
    "tfidf",
    "cf",
    "reputation",
    "availability",
    "language",
    "price",
)


def level_fit(mentor_rank: F32, wanted: str | None) -> F32:
    """1 when the mentor's level is at least the learner's; a beginner is best served by anyone
    a notch above. Without a requested level, more advanced mentors fit a little better."""
    if wanted is None:
        return np.where(mentor_rank > 0, 0.5 + mentor_rank / 6.0, 0.0).astype(np.float32)
    want = LEVEL_RANK[wanted]
    gap = mentor_rank - want
    out = np.where(gap >= 0, 1.0 - 0.1 * np.maximum(gap - 1, 0), 0.3 + 0.3 * (gap + 1))
    return np.where(mentor_rank > 0, np.clip(out, 0.0, 1.0), 0.0).astype(np.float32)


def bayesian_rating(
    rating_sum: F32, rating_count: F32, prior_mean: float, prior_weight: float
) -> F32:
    """Smoothed mean rating (stars), pulled towards the platform mean when reviews are few."""
    return ((prior_mean * prior_weight + rating_sum) / (prior_weight + rating_count)).astype(
        np.float32
    )


def reputation(
    rating_sum: F32,
    rating_count: F32,
    sessions: F32,
    prior_mean: float = 4.0,
    prior_weight: float = 5.0,
) -> F32:
    """Bayesian rating on 1..5 mapped to 0..1, nudged by completed sessions (experience).

    Completion rate, responsiveness and no-shows join here once bookings exist.
    """
    stars = bayesian_rating(rating_sum, rating_count, prior_mean, prior_weight)
    base = (stars - 1.0) / 4.0
    volume = np.log1p(sessions) / np.log1p(200.0)
    return np.asarray(np.clip(0.85 * base + 0.15 * np.minimum(volume, 1.0), 0.0, 1.0), np.float32)


def exploration(rating_count: F32, full_after: float = 3.0) -> F32:
    """A boost for new mentors that fades as their first reviews arrive."""
    return np.asarray(np.clip(1.0 - rating_count / full_after, 0.0, 1.0), np.float32)


def exposure_penalty(impressions: F32, capacity: F32) -> F32:
    """0 while a mentor has been shown within capacity; grows to 1 at three times capacity."""
    over = impressions / np.maximum(capacity, 1.0) - 1.0
    return np.clip(over / 2.0, 0.0, 1.0).astype(np.float32)


def price_fit(price_minor: F32, cap_minor: int | None) -> F32:
    if cap_minor is None:
        return np.asarray(0.6 + 0.4 * np.exp(-price_minor / 20000.0), np.float32)
    if cap_minor == 0:
        return np.where(price_minor == 0, 1.0, 0.0).astype(np.float32)
    return np.clip(1.0 - 0.5 * price_minor / cap_minor, 0.0, 1.0).astype(np.float32)


def week_hours(windows: Iterable[Window], tz_name: str | None, at: datetime) -> list[int]:
    """A mentor's weekly windows (own zone) as UTC half-hour slots of the week
    (0 = Monday 00:00-00:30 UTC); a slot counts when at least half of it is free."""
    try:
        tz = zone(tz_name) if tz_name else zone("UTC")
    except ValueError:
        tz = zone("UTC")
    offset = at.astimezone(tz).utcoffset() or timedelta(0)
    off_min = int(offset.total_seconds()) // 60
    slots: set[int] = set()
    for w in windows:
        start = w.weekday * 1440 + w.start - off_min
        end = w.weekday * 1440 + w.end - off_min
        m = start - start % SLOT_MIN
        while m < end:
            if min(end, m + SLOT_MIN) - max(start, m) >= SLOT_MIN // 2:
                slots.add((m // SLOT_MIN) % SLOTS_PER_WEEK)
            m += SLOT_MIN
    return sorted(slots)


def window_hours(window: TimeWindow) -> list[int]:
    """The UTC half-hour slots of the week a requested window covers (at most a week)."""
    utc = zone("UTC")
    out: list[int] = []
    step = timedelta(minutes=SLOT_MIN)
    for a, b in window.parts():
        start, end = a.astimezone(utc), b.astimezone(utc)
        t = start.replace(minute=start.minute - start.minute % SLOT_MIN, second=0, microsecond=0)
        while t < end and len(out) < SLOTS_PER_WEEK:
            if (min(end, t + step) - max(start, t)) >= step / 2:
                slot = (t.weekday() * 1440 + t.hour * 60 + t.minute) // SLOT_MIN
                if slot not in out:
                    out.append(slot)
            t += step
    return out


def overlap_value(hits: F32, wanted: int) -> F32:
    """1 when a mentor has at least an hour (two slots) of the requested window free."""
    if not wanted:
        return np.zeros(hits.shape[0], dtype=np.float32)
    return np.asarray(np.minimum(hits / min(2.0, wanted), 1.0), np.float32)


def availability_overlap(week: npt.NDArray[np.bool_], wanted: list[int]) -> F32:
    """1 when a mentor has at least an hour (two slots) free in the requested window."""
    if not wanted:
        return np.zeros(week.shape[0], dtype=np.float32)
    hits = week[:, wanted].sum(axis=1).astype(np.float32)
    return np.asarray(np.minimum(hits / min(2.0, len(wanted)), 1.0), np.float32)
