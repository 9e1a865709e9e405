"""Busy times from an ICS calendar (issue 19, part 5): every occurrence of every event,
recurrences expanded with their exceptions (EXDATE, RECURRENCE-ID) in their own time zones,
as UTC spans. Transparent (free) and cancelled events aren't busy; all-day events are."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from core.timezones import zone


class FeedError(ValueError):
    """The feed isn't a calendar we can read; the message is for the mentor."""


def _utc(value: date | datetime, tz: str) -> datetime:
    if isinstance(value, datetime):
        if value.tzinfo is None:  # floating time: the mentor's own zone
            value = value.replace(tzinfo=zone(tz))
        return value.astimezone(UTC)
    return datetime.combine(value, time(0), tzinfo=zone(tz)).astimezone(UTC)


def busy_spans(
    raw: bytes, start: datetime, end: datetime, tz: str = "UTC"
) -> list[tuple[datetime, datetime]]:
    # Imported here: recurring_ical_events brings click and x_wr_timezone, about 0.15 s of a
    # server start that most deployments never spend (no mentor has a busy feed yet).
    import icalendar
    import recurring_ical_events

    try:
        cal = icalendar.Calendar.from_ical(raw)
        events = recurring_ical_events.of(cal).between(start, end)
    except Exception as exc:  # icalendar raises many kinds on bad input
        raise FeedError(f"it isn't a calendar I can read ({type(exc).__name__})") from None
    out: list[tuple[datetime, datetime]] = []
    for ev in events:
        if str(ev.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue
        dtstart = ev.get("DTSTART")
        if dtstart is None:
            continue
        s = _utc(dtstart.dt, tz)
        dtend = ev.get("DTEND")
        if dtend is not None:
            e = _utc(dtend.dt, tz)
        elif ev.get("DURATION") is not None:
            e = s + ev.get("DURATION").dt
        else:
            e = s + (timedelta(days=1) if not isinstance(dtstart.dt, datetime) else timedelta(0))
        if e > s:
            out.append((max(s, start), min(e, end)))
    return sorted(set(out))
