"""One-line reasons: "React expert · 4.9★ from 31 reviews · free Fri 18:00 your time · ₹100"."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

from core.currency import money
from core.languages import language_by_code
from core.recommend import DEFAULT_LEARNER_ZONE, MatchQuery
from core.timezones import zone
from matching.index import MentorRecord
from matching.signals import SLOT_MIN, week_hours, window_hours

LEVEL_WORD = {1: "beginner", 2: "intermediate", 3: "expert"}
DAY = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def price_text(rec: MentorRecord) -> str:
    if rec.price_mode == "free" or (rec.price_mode == "paid" and rec.list_price_minor == 0):
        return "free session"
    if rec.price_mode == "credits":
        return "1 credit"
    return money(rec.list_price_minor, rec.currency)


def first_free_slot(
    rec: MentorRecord, q: MatchQuery, learner_tz: str | None, now: datetime
) -> str | None:
    """ "free Fri 18:00 your time": the first requested hour the mentor has free."""
    if q.window is None:
        return None
    free = set(week_hours(rec.windows, rec.timezone, now))
    wanted = window_hours(q.window)
    try:
        tz = zone(learner_tz or DEFAULT_LEARNER_ZONE)
    except ValueError:
        tz = zone(DEFAULT_LEARNER_ZONE)
    utc = zone("UTC")
    for a, b in q.window.parts():
        start = a.astimezone(utc)
        t = start.replace(minute=start.minute - start.minute % SLOT_MIN, second=0, microsecond=0)
        for _ in range(len(wanted) + 2):
            if t >= b:
                break
            slot = (t.weekday() * 1440 + t.hour * 60 + t.minute) // SLOT_MIN
            if slot in free and slot in wanted:
                local = max(t, a).astimezone(tz)
                return f"free {DAY[local.weekday()]} {local:%H:%M} your time"
            t += timedelta(minutes=SLOT_MIN)
    return None


def reason_line(
    rec: MentorRecord,
    q: MatchQuery,
    signals: Mapping[str, float],
    learner_tz: str | None,
    now: datetime,
) -> str:
    parts: list[str] = []
    taught = [(s, rec.skills[s]) for s in q.skill_ids if s in rec.skills]
    if taught:
        sid, lv = max(taught, key=lambda t: t[1])
        name = rec.skill_names.get(sid, "")
        parts.append(f"{name} {LEVEL_WORD.get(lv, '')}".strip())
        if len(taught) > 1:
            parts[-1] += f" (+{len(taught) - 1} more of your skills)"
    elif signals.get("semantic", 0) >= 0.4 or signals.get("tfidf", 0) >= 0.2:
        parts.append(f"close to “{(q.free_text or q.text)[:40]}”")
    if rec.rating_count:
        parts.append(
            f"{rec.rating_sum / rec.rating_count:.1f}★ from {rec.rating_count} review"
            + ("s" if rec.rating_count != 1 else "")
        )
    else:
        parts.append("new mentor")
    slot = first_free_slot(rec, q, learner_tz, now)
    if slot:
        parts.append(slot)
    if signals.get("cf", 0) >= 0.5:
        parts.append("chosen by learners like you")
    if q.languages:
        spoken = [c for c in q.languages if c in rec.languages]
        if spoken:
            lang = language_by_code(spoken[0])
            parts.append(f"speaks {lang.name if lang else spoken[0]}")
    parts.append(price_text(rec))
    return " · ".join(parts)


SIGNAL_LABELS = {
    "skill": "Skill match",
    "level": "Level fit",
    "semantic": "Meaning of your words (MiniLM)",
    "tfidf": "Shared words (TF-IDF)",
    "cf": "Learners like you (collaborative)",
    "reputation": "Reputation (smoothed rating)",
    "availability": "Free when you asked",
    "language": "Language",
    "price": "Price fit",
    "new-mentor boost": "New-mentor boost",
    "exposure cap": "Exposure cap",
}
