"""Weekly availability: parse what people type ("Mon-Fri 6-9pm; Sat 10-13") into windows.

A window is a weekday (0 = Monday) and a span of minutes in the owner's own time zone; slots are
expanded per date elsewhere so DST is handled where the date is known.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
MINUTES_PER_DAY = 24 * 60
MIN_WINDOW_MINUTES = 10
EXAMPLE = "Try e.g. “Mon-Fri 18:00-21:00; Sat 10-13” or “weekday evenings”."

_DAY_WORDS = {
    "mon": 0, "monday": 0, "mondays": 0,
    "tue": 1, "tues": 1, "tuesday": 1, "tuesdays": 1,
    "wed": 2, "weds": 2, "wednesday": 2, "wednesdays": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "thursdays": 3,
    "fri": 4, "friday": 4, "fridays": 4,
    "sat": 5, "saturday": 5, "saturdays": 5,
    "sun": 6, "sunday": 6, "sundays": 6,
}  # fmt: skip
_GROUP_WORDS = {
    "weekdays": (0, 1, 2, 3, 4),
    "weekday": (0, 1, 2, 3, 4),
    "weekends": (5, 6),
    "weekend": (5, 6),
    "daily": tuple(range(7)),
    "everyday": tuple(range(7)),
    "every day": tuple(range(7)),
    "all week": tuple(range(7)),
}
# Rough parts of the day, for people who answer in words rather than hours.
_PERIODS = {
    "morning": (9 * 60, 12 * 60),
    "afternoon": (13 * 60, 17 * 60),
    "evening": (18 * 60, 21 * 60),
    "night": (21 * 60, 23 * 60),
}
_FILLER = frozenset({"and", "on", "from", "at", "every", "each", "in", "the", "only", "also"})

_DAY = "|".join(sorted(_DAY_WORDS, key=len, reverse=True))
_GROUP = "|".join(sorted((re.escape(g) for g in _GROUP_WORDS), key=len, reverse=True))
_TIME = r"(?:noon|midnight|\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|a\.m\.|p\.m\.)?)"
_RANGE_SEP = r"\s*(?:-|to|till|until|through|thru)\s*"
_TOKEN = re.compile(
    rf"(?P<dayrange>\b(?:{_DAY})\b{_RANGE_SEP}\b(?:{_DAY})\b)"
    rf"|(?P<group>\b(?:{_GROUP})\b)"
    rf"|(?P<day>\b(?:{_DAY})\b)"
    rf"|(?P<trange>(?<![\w:.]){_TIME}{_RANGE_SEP}{_TIME}(?![\w:]))"
    rf"|(?P<period>\b(?:morning|afternoon|evening|night)s?\b)",
    re.IGNORECASE,
)
_ONE_TIME = re.compile(
    r"(?P<word>noon|midnight)|(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>am|pm|a\.m\.|p\.m\.)?",
    re.IGNORECASE,
)


@dataclass(frozen=True, order=True)
class Window:
    weekday: int
    start: int
    end: int

    def __post_init__(self) -> None:
        if not 0 <= self.weekday <= 6:
            raise ValueError(f"weekday out of range: {self.weekday}")
        if not 0 <= self.start < self.end <= MINUTES_PER_DAY:
            raise ValueError(f"bad window {self.start}..{self.end}")


@dataclass(frozen=True)
class AvailabilityParse:
    windows: tuple[Window, ...]
    errors: tuple[str, ...]


@dataclass(frozen=True)
class _Clock:
    hour: int
    minute: int
    ampm: str | None  # "am", "pm" or None when the user wrote 24-hour or bare numbers


def hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _clock(text: str) -> _Clock | None:
    m = _ONE_TIME.fullmatch(text.strip())
    if m is None:
        return None
    if m["word"]:
        return _Clock(12 if m["word"].lower() == "noon" else 0, 0, "word")
    ampm = m["ampm"].replace(".", "").lower() if m["ampm"] else None
    return _Clock(int(m["h"]), int(m["m"] or 0), ampm)


def _to_minutes(c: _Clock, ampm: str | None) -> int | None:
    if c.minute > 59:
        return None
    if ampm in ("am", "pm"):
        if not 1 <= c.hour <= 12:
            return None
        hour = c.hour % 12 + (12 if ampm == "pm" else 0)
        return hour * 60 + c.minute
    if c.hour > 24 or (c.hour == 24 and c.minute):
        return None
    return c.hour * 60 + c.minute


def _time_range(text: str) -> tuple[int, int] | str:
    """(start, end) in minutes, end may be <= start for overnight; or an error message."""
    left, right = re.split(_RANGE_SEP, text, maxsplit=1, flags=re.IGNORECASE)
    a, b = _clock(left), _clock(right)
    if a is None or b is None:
        return f"I couldn't read the times in “{text}”."
    if a.ampm == "word" and b.ampm == "word" and a.hour == b.hour:
        return f"“{text}” is empty."
    b_ampm = None if b.ampm == "word" else b.ampm
    a_ampm = None if a.ampm == "word" else a.ampm
    end = _to_minutes(b, b_ampm)
    if a_ampm is None and b_ampm is not None and a.ampm != "word":
        # "6-9pm" means 18:00-21:00, but "10-1pm" means 10:00-13:00.
        start = _to_minutes(a, b_ampm)
        if start is not None and end is not None and start >= end:
            start = _to_minutes(a, "am" if b_ampm == "pm" else "pm")
    else:
        start = _to_minutes(a, a_ampm)
    if b.ampm == "word" and b.hour == 0:
        end = MINUTES_PER_DAY
    if start is None or end is None:
        return f"“{text}” isn't a valid time range."
    if start == MINUTES_PER_DAY:
        start = 0
    return start, end


def _spans(day: int, start: int, end: int, text: str) -> list[Window] | str:
    if end == start:
        return f"“{text}” starts and ends at the same time."
    if end > start:
        if end - start < MIN_WINDOW_MINUTES:
            return f"“{text}” is shorter than {MIN_WINDOW_MINUTES} minutes."
        return [Window(day, start, end)]
    # Ends before it starts: only read as overnight when it really looks like a late evening.
    if start >= 18 * 60 and end <= 6 * 60:
        out = [Window(day, start, MINUTES_PER_DAY)]
        if end > 0:
            out.append(Window((day + 1) % 7, 0, end))
        return out
    return f"“{text}” ends before it starts."


def merge_windows(windows: Iterable[Window]) -> tuple[Window, ...]:
    merged: list[Window] = []
    for w in sorted(windows):
        last = merged[-1] if merged else None
        if last is not None and last.weekday == w.weekday and w.start <= last.end:
            merged[-1] = Window(w.weekday, last.start, max(last.end, w.end))
        else:
            merged.append(w)
    return tuple(merged)


def _days_of(m: re.Match[str]) -> tuple[int, ...]:
    if m["dayrange"]:
        first, last = re.split(_RANGE_SEP, m["dayrange"], maxsplit=1, flags=re.IGNORECASE)
        a, b = _DAY_WORDS[first.strip().lower()], _DAY_WORDS[last.strip().lower()]
        return tuple((a + i) % 7 for i in range((b - a) % 7 + 1))
    if m["group"]:
        return _GROUP_WORDS[" ".join(m["group"].lower().split())]
    return (_DAY_WORDS[m["day"].lower()],)


def _leftover_words(gap: str) -> list[str]:
    words = re.findall(r"[^\W\d_]+|\d+", gap)
    return [w for w in words if w.lower() not in _FILLER]


def parse_availability(text: str) -> AvailabilityParse:
    # What format_windows shows ("Mon–Fri 18:00–21:00") reads back: dashes are all one.
    text = text.replace("–", "-").replace("—", "-")
    errors: list[str] = []
    windows: list[Window] = []
    pending: list[int] = []
    current: tuple[int, ...] = ()
    pos = 0
    for m in _TOKEN.finditer(text):
        for word in _leftover_words(text[pos : m.start()]):
            errors.append(f"I didn't understand “{word}”.")
        pos = m.end()
        if m["trange"] or m["period"]:
            if pending:
                current, pending = tuple(dict.fromkeys(pending)), []
            elif not current:
                errors.append(f"Which days is “{m[0]}”? Put the days first.")
                continue
            if m["period"]:
                word = m["period"].lower().rstrip("s")
                start, end = _PERIODS[word]
                label = m[0]
            else:
                rng = _time_range(m["trange"])
                if isinstance(rng, str):
                    errors.append(rng)
                    continue
                start, end = rng
                label = m["trange"]
            for day in current:
                spans = _spans(day, start, end, label)
                if isinstance(spans, str):
                    errors.append(spans)
                    break
                windows.extend(spans)
        else:
            pending.extend(_days_of(m))
    for word in _leftover_words(text[pos:]):
        errors.append(f"I didn't understand “{word}”.")
    if pending:
        names = ", ".join(DAY_NAMES[d] for d in dict.fromkeys(pending))
        errors.append(f"What hours on {names}?")
    if errors:
        errors.append(EXAMPLE)
    return AvailabilityParse(merge_windows(windows), tuple(dict.fromkeys(errors)))


def _day_groups(days: Sequence[int]) -> str:
    """[0,1,2,3,4,6] -> "Mon–Fri, Sun"."""
    runs: list[list[int]] = []
    for d in sorted(days):
        if runs and d == runs[-1][-1] + 1:
            runs[-1].append(d)
        else:
            runs.append([d])
    parts = []
    for run in runs:
        if len(run) >= 2:
            parts.append(f"{DAY_NAMES[run[0]]}–{DAY_NAMES[run[-1]]}")
        else:
            parts.append(DAY_NAMES[run[0]])
    return ", ".join(parts)


def format_windows(windows: Iterable[Window]) -> str:
    """ "Mon–Fri 18:00–21:00; Sat 10:00–13:00"; days with identical hours are grouped."""
    per_day: dict[int, tuple[tuple[int, int], ...]] = {}
    for w in merge_windows(windows):
        per_day[w.weekday] = (*per_day.get(w.weekday, ()), (w.start, w.end))
    if not per_day:
        return "not set"
    by_hours: dict[tuple[tuple[int, int], ...], list[int]] = {}
    for day, spans in sorted(per_day.items()):
        by_hours.setdefault(spans, []).append(day)
    clauses = sorted(by_hours.items(), key=lambda kv: kv[1][0])
    return "; ".join(
        f"{_day_groups(days)} " + ", ".join(f"{hhmm(a)}–{hhmm(b)}" for a, b in spans)
        for spans, days in clauses
    )


def windows_to_json(windows: Iterable[Window]) -> str:
    return json.dumps([[w.weekday, w.start, w.end] for w in windows])


def windows_from_json(raw: str) -> tuple[Window, ...]:
    return tuple(Window(int(d), int(a), int(b)) for d, a, b in json.loads(raw))


# One time of day inside a sentence ("tomorrow 7pm", "at 18:30"): the same clock forms the
# windows accept. A bare number is read only when nothing but day words stand around it, so a
# date ("24 nov") is not taken for an hour.
_CLOCK_IN_TEXT = re.compile(rf"(?<![\w:.]){_TIME}(?![\w:])", re.IGNORECASE)
_DAYS_AHEAD = {"today": 0, "tonight": 0, "tomorrow": 1, "tmrw": 1, "tmr": 1, "tomorow": 1}


@dataclass(frozen=True)
class SaidTime:
    """A start time someone typed, in their own zone, with the day if they named one."""

    minute: int  # after midnight
    one_reading: bool  # am/pm, noon or a 24-hour hour was said: no second reading
    days_ahead: int | None = None  # "today" 0, "tomorrow" 1
    weekday: int | None = None  # "tue" -> 1

    def readings(self) -> tuple[int, ...]:
        """ "7" could be 07:00 or 19:00; "19:00" and "7pm" are one time."""
        if self.one_reading or self.minute >= 12 * 60 or self.minute < 60:
            return (self.minute,)
        return (self.minute, self.minute + 12 * 60)


def read_time_of_day(text: str) -> SaidTime | None:
    """ "18:30", "6.30pm", "tomorrow 7pm", "tue at 9" -> a SaidTime; None: no time in it."""
    t = text.casefold().replace("–", "-")
    clock: _Clock | None = None
    for m in _CLOCK_IN_TEXT.finditer(t):
        c = _clock(m[0])
        if c is not None and (c.ampm is not None or re.search(r"[:.]\d", m[0])):
            clock = c
            break
    if clock is None:
        rest = re.sub(rf"\b(?:at|{'|'.join(_DAYS_AHEAD)}|{_DAY})\b", " ", t).strip()
        if not re.fullmatch(r"\d{1,2}", rest):
            return None
        clock = _Clock(int(rest), 0, None)
    ampm = None if clock.ampm == "word" else clock.ampm
    minute = _to_minutes(clock, ampm)
    if minute is None or minute >= MINUTES_PER_DAY:
        return None
    # "19:00", "09:30" and "7pm" are one time; "7" or "6:30" may be morning or evening.
    exact = (
        clock.ampm is not None
        or clock.hour >= 13
        or clock.hour == 0
        or bool(re.search(r"\b(?:0\d|1[0-2])[:.]\d\d", t))
    )
    if clock.ampm is None and ("tonight" in t or re.search(r"\bevening\b", t)) and minute < 720:
        minute, exact = minute + 12 * 60, True
    ahead, weekday = read_day_word(t) or (None, None)
    return SaidTime(minute, exact, days_ahead=ahead, weekday=weekday)


def read_day_word(text: str) -> tuple[int | None, int | None] | None:
    """ "tomorrow" -> (1, None), "on tue?" -> (None, 1): days ahead or a weekday; None: neither."""
    t = text.casefold()
    ahead = next((n for w, n in _DAYS_AHEAD.items() if re.search(rf"\b{w}\b", t)), None)
    if ahead is not None:
        return ahead, None
    day = re.search(rf"\b(?:{_DAY})\b", t)
    return (None, _DAY_WORDS[day[0]]) if day is not None else None


def windows_added(old: Iterable[Window], new: Iterable[Window]) -> tuple[Window, ...]:
    """The weekly time `new` covers and `old` did not (what a follower would call new times)."""
    before: dict[int, set[int]] = {}
    for w in old:
        before.setdefault(w.weekday, set()).update(range(w.start, w.end))
    added: list[Window] = []
    for w in merge_windows(new):
        run: int | None = None
        for minute in range(w.start, w.end + 1):
            fresh = minute < w.end and minute not in before.get(w.weekday, set())
            if fresh and run is None:
                run = minute
            elif not fresh and run is not None:
                added.append(Window(w.weekday, run, minute))
                run = None
    return tuple(added)
