"""Bookable slots from weekly availability, expanded per date in the mentor's own zone.

Wall-clock hours stay constant across DST (DESIGN §6): a slot whose local time doesn't exist
(spring forward) is skipped, and a repeated local hour (fall back) is offered once, at its first
occurrence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from core.availability import Window
from core.timezones import zone

CELL_MINUTES = 5


@dataclass(frozen=True, order=True)
class Busy:
    """A span the person is taken (UTC, end exclusive)."""

    start: datetime
    end: datetime


def _local_instant(day: date, minute: int, tz_name: str) -> datetime | None:
    """The UTC instant of a wall-clock time, or None if that time doesn't exist that day."""
    tz = zone(tz_name)
    naive = datetime.combine(day, time()) + timedelta(minutes=minute)
    aware = naive.replace(tzinfo=tz)  # fold=0: the first of a repeated hour
    utc = aware.astimezone(UTC)
    if utc.astimezone(tz).replace(tzinfo=None) != naive:
        return None
    return utc


def _grid(minute: int, step: int) -> int:
    return -(-minute // step) * step


def expand_slots(
    windows: Iterable[Window],
    tz_name: str,
    start: datetime,
    end: datetime,
    *,
    length_min: int,
    step_min: int = 30,
) -> list[datetime]:
    """UTC starts of `length_min` sessions inside the windows, between `start` and `end`."""
    tz = zone(tz_name)
    by_day: dict[int, list[Window]] = {}
    for w in windows:
        by_day.setdefault(w.weekday, []).append(w)
    first = start.astimezone(tz).date() - timedelta(days=1)
    last = end.astimezone(tz).date() + timedelta(days=1)
    length = timedelta(minutes=length_min)
    out: set[datetime] = set()
    day = first
    while day <= last:
        for w in by_day.get(day.weekday(), ()):
            minute = _grid(w.start, step_min)
            while minute + length_min <= w.end:
                at = _local_instant(day, minute, tz_name)
                if at is not None and start <= at and at + length <= end:
                    out.add(at)
                minute += step_min
        day += timedelta(days=1)
    return sorted(out)


def free_slots(
    candidates: Sequence[datetime],
    *,
    length_min: int,
    busy: Iterable[Busy],
    buffer_min: int,
    not_before: datetime,
) -> list[datetime]:
    """Candidates that start late enough and keep `buffer_min` clear of every busy span."""
    pad = timedelta(minutes=buffer_min)
    length = timedelta(minutes=length_min)
    spans = sorted(busy)
    out = []
    for at in candidates:
        if at < not_before:
            continue
        end = at + length
        if any(b.start - pad < end and at < b.end + pad for b in spans):
            continue
        out.append(at)
    return out


def cells(start: datetime, end: datetime) -> list[int]:
    """5-minute cells (minutes since the epoch // 5) a span covers: the unique key on SQLite."""
    epoch = datetime(1970, 1, 1, tzinfo=UTC)
    first = int((start - epoch).total_seconds() // 60) // CELL_MINUTES
    last = -(-int((end - epoch).total_seconds() // 60) // CELL_MINUTES)
    return list(range(first, last))
