"""Quiet hours (issues 16 and 19): a person's nightly window, in their own zone, in which
notifications that can wait are held and sent when it ends. The messages themselves are
not held: a direct message is stored and readable on the web at once; only its push waits.

A leaf module: which kinds of notification wait (KINDS, the one table of them), reading what
people type ("22:00-07:00", "10pm to 7am", "off") and when a window ends, DST included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.availability import MINUTES_PER_DAY, _time_range, hhmm


@dataclass(frozen=True)
class Kind:
    held: bool  # True: waits for the end of the person's quiet hours
    what: str  # what it is, for README and code readers


# Every kind of notification a person can be sent, and whether quiet hours hold it. Time-critical
# ones go at once: they lose their point if late (a session about to start, a code to type) or
# answer something the person just did themselves.
KINDS: dict[str, Kind] = {
    # ---- held in quiet hours -------------------------------------------------------------
    "dm": Kind(
        True, "a direct message's push to the person's platform; intro requests and answers"
    ),
    "favourite": Kind(True, "a followed mentor opened new times"),
    "broadcast": Kind(True, "an admin's broadcast to a segment of people"),
    "badge": Kind(True, 'a badge earned: "🏅 New badge: …"'),
    "action_items": Kind(True, "open action items from the pair's session notes"),
    "wish": Kind(True, "someone now teaches a skill the person asked to be told about"),
    "invite": Kind(True, "an invitation to teach what they learned (learner → mentor upgrade)"),
    "rating": Kind(True, "the other side's rating of a past session, revealed"),
    # ---- sent at once --------------------------------------------------------------------
    "reply": Kind(False, "anything else, and replies to the person's own command (the default)"),
    "session_reminder": Kind(False, "a session is starting (24 h and 15 min before)"),
    "booking": Kind(
        False,
        "a booking requested, confirmed (its room link), cancelled, expired; the rating prompt",
    ),
    "payment": Kind(False, "a payment receipt or failure the person just triggered"),
    "verification": Kind(False, "a code, or the email with one that could not be sent"),
}
HELD = frozenset(k for k, v in KINDS.items() if v.held)
DEFAULT_KIND = "reply"

# Longer than this is a day switched off rather than a night: asked about, not saved.
MAX_QUIET_MINUTES = 16 * 60
OFF_WORDS = frozenset({"off", "none", "no", "disable", "disabled", "stop", "remove", "clear"})


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}: add it to core.quiet.KINDS")
    return kind


@dataclass(frozen=True)
class QuietHours:
    """Minutes after local midnight; end < start crosses midnight (22:00–07:00)."""

    start: int
    end: int

    @property
    def label(self) -> str:
        return f"{hhmm(self.start)}–{hhmm(self.end)}"

    def contains(self, minute: int) -> bool:
        if self.start < self.end:
            return self.start <= minute < self.end
        return minute >= self.start or minute < self.end

    @property
    def length(self) -> int:
        return (self.end - self.start) % MINUTES_PER_DAY


_SEP = re.compile(r"\s*(?:-|to|till|until|through|thru)\s*")
_LEAD = re.compile(r"^(?:quiet(?:\s+hours)?|from|between|at|every\s+night|nightly|daily)\s+")
_TAIL = re.compile(r"\s+(?:every\s+night|each\s+night|nightly|daily|please)$")


def read_quiet(text: str) -> QuietHours | str | None:
    """What someone typed: QuietHours; None for "off"; or a message saying what was wrong."""
    t = " ".join(text.casefold().replace("–", "-").replace("—", "-").split()).strip(" .!")
    if t in OFF_WORDS:
        return None
    for _ in range(3):
        t = _TAIL.sub("", _LEAD.sub("", t))
    t = re.sub(r"\s+and\s+", " to ", t)
    if not _SEP.search(t):
        return "Write a start and an end, like 22:00-07:00 or “10pm to 7am” (or “off”)."
    got = _time_range(t)
    if isinstance(got, str):
        return got + " Write it like 22:00-07:00 or “10pm to 7am”."
    start, end = (m % MINUTES_PER_DAY for m in got)
    if start == end:
        return "Quiet hours can't start and end at the same time."
    q = QuietHours(start, end)
    if q.length > MAX_QUIET_MINUTES:
        hours = q.length // 60
        return (
            f"{q.label} would hold your notifications {hours} hours a day. "
            f"Write it with am/pm or as 24-hour times, like 22:00-07:00."
        )
    return q


def zone_of(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def quiet_until(q: QuietHours, zone: str | None, now: datetime) -> datetime | None:
    """When the quiet window that `now` is in ends (UTC), or None when `now` is not in one.

    Read on the wall clock of the person's zone, so 22:00–07:00 stays 22:00–07:00 across a
    DST change. An end that falls in a skipped hour is the first instant after the gap."""
    tz = zone_of(zone)
    local = now.astimezone(tz)
    minute = local.hour * 60 + local.minute
    if not q.contains(minute):
        return None
    day = local.date()
    if q.start > q.end and minute >= q.start:
        day += timedelta(days=1)  # before midnight: it ends tomorrow morning
    end = datetime.combine(day, time(q.end // 60, q.end % 60), tzinfo=tz).astimezone(UTC)
    if end <= now:  # only a wall time the zone skipped can land here
        return None
    return end
