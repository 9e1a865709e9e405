"""Query understanding: "react hooks friday evening, under 150 rupees, hindi or english".

Skills go through the taxonomy (exact names and aliases, then one clear typo correction);
a time window is read in the learner's own zone and kept as UTC instants; a price cap, languages
and a level are picked out; whatever is left stays free text for the semantic signals.
"""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from core.languages import parse_languages
from core.recommend import DEFAULT_LEARNER_ZONE, MatchQuery, TimeWindow
from core.skills import Level, SkillIndex, SkillMatch, skill_key
from core.timezones import zone
from core.understand.slots import said_level

_DAYS = {
    "monday": 0, "mon": 0, "tuesday": 1, "tue": 1, "tues": 1, "wednesday": 2, "wed": 2,
    "thursday": 3, "thu": 3, "thurs": 3, "friday": 4, "fri": 4, "saturday": 5, "sat": 5,
    "sunday": 6, "sun": 6,
}  # fmt: skip
_PERIODS = {
    "morning": (time(8), time(12)),
    "afternoon": (time(12), time(17)),
    "evening": (time(17), time(21)),
    "tonight": (time(18), time(23)),
    "night": (time(20), time(23, 59)),
}
_LEVELS: dict[str, Level] = {
    "beginner": "beginner", "beginners": "beginner", "basics": "beginner", "basic": "beginner",
    "newbie": "beginner", "novice": "beginner", "intro": "beginner", "introduction": "beginner",
    "intermediate": "intermediate", "advanced": "advanced", "expert": "advanced",
    "deep-dive": "advanced",
}  # fmt: skip
_STOP = frozenset(
    """a an the i me my we our you your to for of in on at by with and or but about from into
    help need needs want wants would like looking look find get show someone somebody mentor
    mentors teacher tutor please can could who knows teaches learn learning study studying some
    any this that is am are be before after next session sessions hour hours time good best
    how what with price rupees rs inr under below less than max maximum upto up language
    languages speak speaks speaking prefer preferably ideally also only just very really""".split()  # noqa: SIM905
)
# Everyday words one typo away from a skill name: never "corrected" inside a sentence.
_NO_CORRECT = frozenset(
    [
        "state",
        "states",
        "stage",
        "react",
        "reach",
        "great",
        "start",
        "stack",
        "class",
        "classes",
        "chart",
        "charts",
        "about",
        "there",
        "these",
        "those",
        "where",
        "while",
        "write",
        "wrote",
        "words",
        "world",
        "works",
        "worse",
        "scale",
        "sales",
        "table",
        "basic",
        "basics",
        "better",
        "maths",
    ]
)
_PRICE = re.compile(
    r"(?:under|below|less\s+than|up\s*to|upto|max(?:imum)?|within|<=?|≤|at\s+most|budget(?:\s+of)?)"
    r"\s*(?:rs\.?|inr|₹)?\s*(\d[\d,]*)\s*(?:rs\.?|rupees?|inr|₹|/-)?",
    re.IGNORECASE,
)
_PRICE_PLAIN = re.compile(
    r"(?:₹|rs\.?\s*|inr\s*)(\d[\d,]*)|(\d[\d,]*)\s*(?:rupees?|rs\b|inr\b)", re.I
)
_FREE = re.compile(r"\bfree(?:\s+(?:only|session|sessions))?\b", re.IGNORECASE)
_WORD = re.compile(r"[\w+#.\-]+", re.UNICODE)


def _window(text: str, now: datetime, tz_name: str | None) -> tuple[TimeWindow | None, str]:
    """The first time expression in `text`, as a UTC window, and the text without it."""
    try:
        tz = zone(tz_name or DEFAULT_LEARNER_ZONE)
    except ValueError:
        tz = zone(DEFAULT_LEARNER_ZONE)
    local_now = now.astimezone(tz)
    today = local_now.date()
    low = text.casefold()
    day_start: list[int] = []  # offsets in days from today
    label_parts: list[str] = []
    spans: list[tuple[int, int]] = []

    def take(m: re.Match[str]) -> None:
        spans.append(m.span())

    recurring = re.search(
        r"\bweek\s*days?\b|\bmon(?:day)?\s*(?:-|–|to)\s*fri(?:day)?\b|\bworking\s+days?\b", low
    )
    if recurring:  # "weekday evenings": the coming weekdays, not today only
        day_start = [d for d in range(8) if (today + timedelta(days=d)).weekday() < 5][:5]
        label_parts.append("weekday")
        take(recurring)
    elif m := re.search(
        r"\bthis\s+weekend\b|\bweekends?\b|\bsat(?:urday)?\s+(?:or|and|&)\s+sun(?:day)?\b", low
    ):
        sat = (5 - today.weekday()) % 7
        if today.weekday() == 6:
            sat = -1
        day_start = [max(sat, 0), sat + 1] if sat >= 0 else [0]
        label_parts.append("this weekend")
        take(m)
    elif m := re.search(r"\btomorrow\b", low):
        day_start = [1]
        label_parts.append("tomorrow")
        take(m)
    elif m := re.search(r"\btoday\b|\btonight\b", low):
        day_start = [0]
        label_parts.append("today")
        if "tonight" in m.group(0):
            label_parts = ["tonight"]
        else:
            take(m)
    elif m := re.search(r"\bnext\s+week\b", low):
        first = 7 - today.weekday()
        day_start = list(range(first, first + 7))
        label_parts.append("next week")
        take(m)
    else:
        for m2 in re.finditer(
            r"\b(" + "|".join(sorted(_DAYS, key=len, reverse=True)) + r")\b", low
        ):
            wd = _DAYS[m2.group(1)]
            ahead = (wd - today.weekday()) % 7
            if ahead not in day_start:
                day_start.append(ahead)
                label_parts.append(m2.group(1).capitalize()[:3])
            take(m2)
    period = None
    hours: tuple[time, time] | None = None
    if pm := re.search(r"\b(morning|afternoon|evening|tonight|night)(s?)\b", low):
        period = pm.group(1)
        take(pm)
        if not day_start and pm.group(2):  # "evenings": every evening of the coming week
            day_start = list(range(7))
            label_parts.append("every day")
        elif not day_start:
            day_start = [0] if _PERIODS[period][1] > local_now.time() else [1]
            label_parts.append("today" if day_start == [0] else "tomorrow")
        label_parts.append(period + pm.group(2) if period != "tonight" else "")
    if am := re.search(r"\b(?:after|from)\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b", low):
        hour = int(am.group(1))
        if am.group(3) == "pm" or (am.group(3) is None and hour < 12 and period != "morning"):
            hour = hour + 12 if hour < 12 else hour
        if hour <= 23:
            hours = (
                time(hour, int(am.group(2) or 0)),
                time(min(hour + 3, 23), 59 if hour + 3 > 23 else 0),
            )
            take(am)
            label_parts.append(f"after {hour:02d}:{int(am.group(2) or 0):02d}")
            if not day_start:
                day_start = [0] if hours[1] > local_now.time() else [1]
    if not day_start:
        return None, text
    start_t, end_t = hours or (_PERIODS[period] if period else (time(0), time(23, 59)))
    starts: list[datetime] = []
    ends: list[datetime] = []
    for d in sorted(day_start):
        day = today + timedelta(days=d)
        starts.append(datetime.combine(day, start_t, tzinfo=tz))
        ends.append(datetime.combine(day, end_t, tzinfo=tz))
    start = max(min(starts), local_now) if min(starts) <= local_now <= max(ends) else min(starts)
    end = max(ends)
    rest = text
    for a, b in sorted(spans, reverse=True):
        rest = rest[:a] + " " + rest[b:]
    label = " ".join(p for p in label_parts if p).strip()
    utc = now.tzinfo
    # Several days with hours: each day's hours count, not the nights between them.
    parts = tuple(
        (max(s, local_now).astimezone(utc), e.astimezone(utc))
        for s, e in zip(starts, ends, strict=True)
        if e > local_now
    )
    spans_out = parts if len(day_start) > 1 and (period or hours) else ()
    return TimeWindow(start.astimezone(utc), end.astimezone(utc), label, spans_out), rest


def _price(text: str) -> tuple[int | None, str]:
    m = _PRICE.search(text)
    if m is None:
        m2 = _PRICE_PLAIN.search(text)
        if m2 is not None:
            digits = (m2.group(1) or m2.group(2)).replace(",", "")
            return int(digits) * 100, text[: m2.start()] + " " + text[m2.end() :]
        f = _FREE.search(text)
        if f is not None:
            return 0, text[: f.start()] + " " + text[f.end() :]
        return None, text
    return int(m.group(1).replace(",", "")) * 100, text[: m.start()] + " " + text[m.end() :]


def _is_language(word: str) -> str | None:
    if len(word) < 4 or word.casefold() in _STOP:
        return None
    parsed = parse_languages(word)
    if len(parsed.found) == 1 and not parsed.unknown:
        lang = parsed.found[0]
        if word.casefold() in (lang.name.casefold(), lang.code):
            return lang.code
    return None


# A language named as what to learn ("learn spanish", "teach me french", "spanish sikhna hai",
# "german classes") is a skill; one named as how to talk ("python in hindi", "hindi speaking
# mentor") is the session's language.
_LEARN_BEFORE = frozenset(
    [
        "learn",
        "learning",
        "teach",
        "study",
        "studying",
        "improve",
        "practice",
        "practise",
        "master",
        "brush",
    ]
)
_LEARN_AFTER = frozenset(
    [
        "sikhna",
        "seekhna",
        "sikhni",
        "seekhni",
        "sikhana",
        "padhna",
        "class",
        "classes",
        "lesson",
        "lessons",
        "tutor",
        "tutors",
        "teacher",
        "teachers",
        "course",
        "courses",
        "grammar",
        "vocabulary",
        "exam",
    ]
)
_SAID_BEFORE = frozenset(["in", "speak", "speaks", "speaking", "medium", "language", "languages"])
_SAID_AFTER = frozenset(["speaking", "speaker", "speakers", "medium"])


def _language_is_the_skill(words: list[str], i: int, index: SkillIndex, alone: bool) -> bool:
    """Whether words[i], a language's name, is asked for as the skill to learn."""
    ref = index.exact(words[i])
    if ref is None or ref.status != "approved":
        return False
    before = [w.casefold() for w in words[max(0, i - 2) : i]]
    after = words[i + 1].casefold() if i + 1 < len(words) else ""
    if any(w in _SAID_BEFORE for w in before) or after in _SAID_AFTER:
        return False
    if (before and before[-1] in _LEARN_BEFORE) or after in _LEARN_AFTER:
        return True
    return alone


def understand(text: str, index: SkillIndex, learner_tz: str | None, now: datetime) -> MatchQuery:
    window, rest = _window(text, now, learner_tz)
    cap, rest = _price(rest)
    words = [w.strip(".-") for w in _WORD.findall(rest)]
    words = [w for w in words if w]
    used = [False] * len(words)
    level: Level | None = None
    languages: list[str] = []
    codes = [_is_language(w) for w in words]
    # Nothing else to learn named: a lone language is what they want to learn ("spanish pls").
    alone = (
        not any(
            codes[i] is None
            and w.casefold() not in _STOP
            and w.casefold() not in _LEVELS
            and (ref := index.exact(w)) is not None
            and ref.status == "approved"
            for i, w in enumerate(words)
        )
        and sum(c is not None for c in codes) == 1
    )
    for i, w in enumerate(words):
        low = w.casefold()
        if low in _LEVELS and level is None:
            level, used[i] = _LEVELS[low], True
            continue
        # "beginer", "intermidiate", "newbie", "advance": the level said as people type it.
        typed = said_level(w, lambda name: index.exact(name) is not None)
        if typed is not None and level is None and low not in _STOP:
            level, used[i] = typed, True
            continue
        code = codes[i]
        if code is not None and _language_is_the_skill(words, i, index, alone):
            continue  # left for the skill spans below
        if code is not None:
            if code not in languages:
                languages.append(code)
            used[i] = True
    skill_ids: list[int] = []
    skill_names: list[str] = []
    corrected: list[str] = []
    # Typos are corrected only in a short request that is mostly a skill name ("machine
    # laerning"); inside a sentence ("six string instrument") they'd turn words into skills.
    content = [w for i, w in enumerate(words) if not used[i] and w.casefold() not in _STOP]
    short = len(content) <= 3
    # Longest spans first: "machine learning" before "learning", "system design" as one skill.
    for n in (4, 3, 2, 1):
        for i in range(len(words) - n + 1):
            if any(used[i : i + n]):
                continue
            span = " ".join(words[i : i + n])
            if n == 1 and span.casefold() in _STOP:
                continue
            if not skill_key(span):
                continue
            ref = index.exact(span)
            if (
                ref is None
                and short
                and len(span) >= 5
                and not (n == 1 and span.casefold() in _NO_CORRECT)
                and not any(w.casefold() in _STOP for w in words[i : i + n])
            ):
                res = index.resolve(span)
                if isinstance(res, SkillMatch) and res.skill.status == "approved":
                    ref = res.skill
                    corrected.append(f"{span} → {ref.name}")
            if ref is not None and ref.status == "approved":
                if ref.id not in skill_ids:
                    skill_ids.append(ref.id)
                    skill_names.append(ref.name)
                for j in range(i, i + n):
                    used[j] = True
    free = [w for i, w in enumerate(words) if not used[i] and w.casefold() not in _STOP]
    return MatchQuery(
        text=text.strip(),
        skill_ids=tuple(skill_ids),
        skill_names=tuple(skill_names),
        level=level,
        window=window,
        max_price_minor=cap,
        languages=tuple(languages),
        free_text=" ".join(free),
        corrected=tuple(corrected),
    )
