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
HOURS_PER_WEEK = 168
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
    out = np.where(gap >= 0, 1.0 - 0.1 * np.maximum(gap - 1, 0), 0.4 + 0.2 * (gap + 1))
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
    """A mentor's weekly windows (own zone) as UTC hour-of-week slots (0 = Monday 00:00 UTC)."""
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
        m = start - start % 60
        while m < end:
            # An hour counts when at least half of it is free.
            if min(end, m + 60) - max(start, m) >= 30:
                slots.add((m // 60) % HOURS_PER_WEEK)
            m += 60
    return sorted(slots)


def window_hours(window: TimeWindow) -> list[int]:
    """The UTC hour-of-week slots a requested window covers (at most a week of them)."""
    start = window.start.astimezone(zone("UTC"))
    out: list[int] = []
    t = start.replace(minute=0, second=0, microsecond=0)
    end = window.end.astimezone(zone("UTC"))
    while t < end and len(out) < HOURS_PER_WEEK:
        if (min(end, t + timedelta(hours=1)) - max(start, t)) >= timedelta(minutes=30):
            out.append(t.weekday() * 24 + t.hour)
        t += timedelta(hours=1)
    return out


def availability_overlap(week: npt.NDArray[np.bool_], wanted: list[int]) -> F32:
    """Share of the first two requested hours a mentor has free (1 = at least two hours)."""
    if not wanted:
        return np.zeros(week.shape[0], dtype=np.float32)
    hits = week[:, wanted].sum(axis=1).astype(np.float32)
    return np.asarray(np.minimum(hits / min(2.0, len(wanted)), 1.0), np.float32)
