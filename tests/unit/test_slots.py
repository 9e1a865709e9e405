"""Slots across DST: mentor in New York 09:00-17:00, learners in Kolkata and London."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from core.availability import Window
from core.slots import Busy, cells, expand_slots, free_slots
from core.timezones import zone

WEEKDAYS_9_TO_5 = [Window(d, 9 * 60, 17 * 60) for d in range(7)]


def local(at: datetime, tz: str) -> str:
    return at.astimezone(zone(tz)).strftime("%a %d %H:%M")


@pytest.mark.parametrize(
    ("day", "utc_hour_before", "utc_hour_after"),
    [
        # US spring forward on Sun 2026-03-08: EST (UTC-5) -> EDT (UTC-4).
        (datetime(2026, 3, 7, tzinfo=UTC), 14, 13),
        # US fall back on Sun 2026-11-01: EDT (UTC-4) -> EST (UTC-5).
        (datetime(2026, 10, 31, tzinfo=UTC), 13, 14),
    ],
)
def test_wall_clock_hours_stay_put_across_dst(
    day: datetime, utc_hour_before: int, utc_hour_after: int
) -> None:
    slots = expand_slots(
        WEEKDAYS_9_TO_5,
        "America/New_York",
        day,
        day + timedelta(days=3),
        length_min=10,
        step_min=60,
    )
    by_day: dict[str, list[str]] = {}
    for s in slots:
        by_day.setdefault(local(s, "America/New_York")[:6], []).append(
            local(s, "America/New_York")[7:]
        )
    for hours in by_day.values():
        assert hours[0] == "09:00" and hours[-1] == "16:00" and len(hours) == 8
    firsts = sorted({s for s in slots if s.astimezone(zone("America/New_York")).hour == 9})
    assert firsts[0].hour == utc_hour_before
    assert firsts[-1].hour == utc_hour_after
    assert len(slots) == len(set(slots))


def test_viewers_see_the_shift_in_their_own_zone() -> None:
    start = datetime(2026, 3, 6, tzinfo=UTC)
    slots = expand_slots(
        WEEKDAYS_9_TO_5, "America/New_York", start, start + timedelta(days=4), length_min=10
    )
    nine_am = [
        s for s in slots if s.astimezone(zone("America/New_York")).strftime("%H:%M") == "09:00"
    ]
    kolkata = [local(s, "Asia/Kolkata") for s in nine_am]
    london = [local(s, "Europe/London") for s in nine_am]
    # Before the US change New York 09:00 is 19:30 in Kolkata; after, 18:30.
    assert kolkata[:2] == ["Fri 06 19:30", "Sat 07 19:30"]
    assert kolkata[2:] == ["Sun 08 18:30", "Mon 09 18:30"]
    # London hasn't changed yet (it does on 29 March): 14:00 then 13:00.
    assert london[:2] == ["Fri 06 14:00", "Sat 07 14:00"]
    assert london[2:] == ["Sun 08 13:00", "Mon 09 13:00"]


def test_skipped_hour_has_no_slot_and_repeated_hour_has_one() -> None:
    night = [Window(6, 0, 4 * 60)]  # Sundays 00:00-04:00
    spring = datetime(2026, 3, 8, tzinfo=UTC)
    slots = expand_slots(
        night, "America/New_York", spring, spring + timedelta(days=1), length_min=30, step_min=30
    )
    walls = [local(s, "America/New_York")[7:] for s in slots]
    assert "02:00" not in walls and "02:30" not in walls
    assert walls == ["00:00", "00:30", "01:00", "01:30", "03:00", "03:30"]

    autumn = datetime(2026, 11, 1, tzinfo=UTC)
    slots = expand_slots(
        night, "America/New_York", autumn, autumn + timedelta(days=1), length_min=30, step_min=30
    )
    walls = [local(s, "America/New_York")[7:] for s in slots]
    assert walls.count("01:00") == 1 and walls.count("01:30") == 1
    assert len(slots) == len(set(slots)) == 8


def test_fixed_offset_zone() -> None:
    start = datetime(2026, 11, 23, tzinfo=UTC)
    slots = expand_slots(
        [Window(0, 18 * 60, 19 * 60)], "UTC+05:30", start, start + timedelta(days=1), length_min=20
    )
    assert [s.strftime("%H:%M") for s in slots] == ["12:30", "13:00"]


def test_busy_spans_buffer_and_notice() -> None:
    base = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    candidates = [base + timedelta(minutes=30 * i) for i in range(6)]
    busy = [Busy(base + timedelta(minutes=60), base + timedelta(minutes=70))]
    free = free_slots(
        candidates, length_min=20, busy=busy, buffer_min=5, not_before=base + timedelta(minutes=1)
    )
    assert [f.strftime("%H:%M") for f in free] == ["12:30", "13:30", "14:00", "14:30"]


def test_cells_cover_the_span() -> None:
    a = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    assert len(cells(a, a + timedelta(minutes=10))) == 2
    assert (
        cells(a, a + timedelta(minutes=10))[-1] + 1
        == cells(a + timedelta(minutes=10), a + timedelta(minutes=20))[0]
    )
