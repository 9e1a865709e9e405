"""Answers read the way people write them: a name from "I'm Priya", skills and levels from
"python please, and some sql", languages, places and hours from phrases.

Each reader turns a phrase into the plain form the field's parser already reads (a name,
"Python, SQL: beginner", "English, Hindi", "Pune", "Mon-Fri 19:00-22:00"), so the checks
stay where they are (core.dialogs.fields) and a reading is shown back before it is saved.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from core.skills import Level, TypedSkill, parse_level, split_skill_list

_NAME_LEAD = re.compile(
    r"^(?:hi|hey|hello|hii)?[,!. ]*(?:i am|i'm|im|i’m|it's|its|it’s|this is|my name is|my name's|"
    r"name is|name's|name:|call me|you can call me|people call me|mera naam|main)\s+",
    re.IGNORECASE,
)
_NAME_TAIL = re.compile(r"\s+(?:here|hai|h|please|pls|thanks|thank you)[.!]*$", re.IGNORECASE)
# Words of a sentence, not of a name: "i want to learn python" is not somebody's name.
_NOT_NAMES = frozenset(
    [
        "i",
        "me",
        "my",
        "want",
        "need",
        "learn",
        "teach",
        "find",
        "how",
        "what",
        "why",
        "when",
        "where",
        "who",
        "is",
        "are",
        "am",
        "the",
        "to",
        "for",
        "with",
        "and",
        "or",
        "of",
        "in",
        "on",
        "at",
        "a",
        "an",
        "can",
        "could",
        "would",
        "should",
        "please",
        "mentor",
        "session",
        "book",
        "thanks",
        "not",
    ]
)
# Letters of any script (with their marks), dots, hyphens, apostrophes; no digits.
_NAME_WORD = re.compile(r"^[^\d\s_!?,;:@#/\\()\[\]{}<>=+*&%$^~`|\"]+$")


def read_name(text: str) -> str | None:
    """The name in "I'm Priya", "call me Raj", "my name is Anita Desai", or a bare name.
    None when it reads as a sentence rather than a name."""
    t = " ".join(text.strip().split()).strip(" .!")
    t = _NAME_LEAD.sub("", t, count=1)
    t = _NAME_TAIL.sub("", t).strip(" .!,")
    words = t.split()
    if not 1 <= len(words) <= 6 or not all(_NAME_WORD.match(w) for w in words):
        return None
    if any(w.casefold() in _NOT_NAMES for w in words) or not any(c.isalpha() for c in t):
        return None
    if t.islower():
        t = " ".join(w[:1].upper() + w[1:] for w in words)
    return t


def looks_like_sentence(text: str) -> bool:
    """More than a name: many words, or words a name doesn't have ("i want to learn")."""
    words = text.split()
    return len(words) > 6 or any(w.casefold().strip(".,!?") in _NOT_NAMES for w in words)


_LEVEL_WORDS: tuple[tuple[re.Pattern[str], Level], ...] = (
    (
        re.compile(
            r"\b(?:new to|learning|beginner (?:in|at)|just started(?: with)?|a (?:little )?bit of|"
            r"basics of|little|basic)\s+$"
        ),
        "beginner",
    ),
    (
        re.compile(r"\b(?:decent (?:at|in|with)|okay (?:at|with)|ok (?:at|with)|know|use)\s+$"),
        "intermediate",
    ),
    (
        re.compile(
            r"\b(?:good (?:at|in|with)|great (?:at|in|with)|expert (?:at|in)|strong (?:in|at)|"
            r"advanced|pro at|fluent in|master of)\s+$"
        ),
        "advanced",
    ),
)
_FILLER = re.compile(
    r"^(?:(?:and|also|plus|maybe|mostly|mainly|especially|like|then|too|i|i'm|im|i am|am|"
    r"want to|wanna|would like to|to|learn|learning|teach|study|do|know|use|please|pls|some|"
    r"a|an|the|bit of|little|basics of|about|with|in|at|on|of|for|decent|good|great|"
    r"okay|ok|expert|strong|new|just|started|interested|skills?)\s+)+",
    re.IGNORECASE,
)
_TRAIL = re.compile(
    r"(?:\s+(?:please|pls|plz|too|also|as well|and stuff|etc|maybe|thanks|thank you|"
    r"basics|stuff|things))+$",
    re.IGNORECASE,
)


def read_skills(
    text: str, is_skill: Callable[[str], bool] = lambda name: False
) -> list[TypedSkill]:
    """Skills and levels from a sentence: "I'm decent at React and learning Go" ->
    React (intermediate), Go (beginner). A list in the documented form reads as before.
    `is_skill`: the catalogue's word on a phrase, so "research and development" stays one."""
    listed, errors = split_skill_list(text)
    if not errors and listed and all(_plain(s.name, is_skill) for s in listed):
        return listed
    pieces = re.split(r"\s*(?:,|;|\n|&|\+(?!\+)|\band\b|\bplus\b|\balso\b|/(?!\w*\.))\s*", text)
    out: list[TypedSkill] = []
    for raw in pieces:
        piece = raw.strip(" .!?")
        if not piece:
            continue
        level = _level_from_words(piece)
        typed = split_skill_list(piece)[0]
        if typed and typed[0].level is not None:
            piece, level = typed[0].name, typed[0].level
        name = _TRAIL.sub("", _FILLER.sub("", piece)).strip(" .!?")
        if name and len(name) <= 60:
            out.append(TypedSkill(name, level))
    return out


def _plain(name: str, is_skill: Callable[[str], bool]) -> bool:
    """A list item that is just a skill name, not a phrase around one."""
    if is_skill(name):
        return True
    joined = re.search(r"\b(?:and|plus|also)\b|&|/", name, re.IGNORECASE)
    return len(name.split()) <= 3 and not joined and _FILLER.match(name + " ") is None


def _level_from_words(piece: str) -> Level | None:
    low = piece.casefold()
    for pattern, level in _LEVEL_WORDS:
        for m in re.finditer(r"\S+", low):
            if pattern.search(low[: m.start()]):
                return level
    bracketed = re.search(r"\((\w+)\)\s*$", low)
    return parse_level(bracketed.group(1)) if bracketed else None


def skills_text(skills: list[TypedSkill]) -> str:
    """The reading in the form the skills question documents: "React: intermediate, Go"."""
    return ", ".join(f"{s.name}: {s.level}" if s.level else s.name for s in skills)


# ---- languages, places, hours ---------------------------------------------------------

_LANG_FILLER = re.compile(
    r"\b(?:i|we|can|could|speak|talk|talking|know|understand|am|i'm|im|comfortable|fluent|"
    r"fluently|in|with|a|an|the|bit|of|little|some|bit|thoda|thodi|basic|only|mostly|also|too|"
    r"well|good|fine|languages?|both|okay|ok|native|mother|tongue|is|my)\b",
    re.IGNORECASE,
)


def read_languages(text: str) -> str | None:
    """ "I speak English and a bit of Hindi" -> "English, Hindi"; None if nothing is left."""
    rest = _LANG_FILLER.sub(" ", text)
    rest = re.sub(r"\s*(?:,|;|&|/|\+|\band\b|\bor\b|\baur\b)\s*", ", ", rest, flags=re.IGNORECASE)
    parts = [p.strip(" .!?") for p in rest.split(",")]
    parts = [p for p in parts if p]
    return ", ".join(parts) if parts else None


_PLACE_LEAD = re.compile(
    r"^(?:i\s*(?:am|'m|’m|m)\s+|im\s+|i\s+)?(?:currently\s+|now\s+)?"
    r"(?:(?:live|living|stay|staying|based|located|work|working|study|studying)\s+)?"
    r"(?:in|at|from|near|out of)\s+",
    re.IGNORECASE,
)


def read_place(text: str) -> str | None:
    """ "I'm in Pune", "i live in bangalore", "from delhi" -> the place; None if not a phrase."""
    t = " ".join(text.strip().split()).strip(" .!")
    place = _PLACE_LEAD.sub("", t, count=1)
    place = re.sub(r"\s+(?:right now|currently|now|these days|city)$", "", place, flags=re.I)
    return place if place and place != t else None


_DAY_GROUPS = (
    (re.compile(r"\b(?:weekdays?|week days?|mon(?:day)?\s*(?:-|to|–)\s*fri(?:day)?)\b"), "Mon-Fri"),
    (re.compile(r"\b(?:weekends?|sat(?:urday)?\s*(?:and|&|-|,)\s*sun(?:day)?)\b"), "Sat-Sun"),
    (re.compile(r"\b(?:every ?day|daily|all days|any day|all week)\b"), "Mon-Sun"),
)
_PERIOD_HOURS = {
    "morning": (9, 12),
    "afternoon": (13, 17),
    "evening": (18, 21),
    "night": (20, 23),
}
_AFTER = re.compile(r"\b(?:after|from|post)\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b")
_BEFORE = re.compile(r"\b(?:before|till|until|by)\s+(\d{1,2})(?::(\d{2}))?\s*(am|pm)?\b")


def _hour(h: str, ampm: str | None, evening: bool) -> int | None:
    hour = int(h)
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    elif ampm is None and evening and hour < 12:
        hour += 12  # "evenings after 7" is 19:00
    return hour if 0 <= hour <= 23 else None


def read_hours(text: str) -> str | None:
    """Hours said in words -> the documented form: "weekday evenings after 7" ->
    "Mon-Fri 19:00-22:00", "weekends" -> "Sat-Sun 10:00-13:00". None: nothing to read."""
    t = text.casefold()
    days = next((label for pattern, label in _DAY_GROUPS if pattern.search(t)), None)
    period = next((p for p in _PERIOD_HOURS if re.search(rf"\b{p}s?\b", t)), None)
    after, before = _AFTER.search(t), _BEFORE.search(t)
    if days is None and period is None and after is None and before is None:
        return None
    late = period in ("evening", "night") or (period is None and after is not None)
    start, end = _PERIOD_HOURS.get(period or "", (10, 13) if days == "Sat-Sun" else (18, 21))
    if after is not None:
        hour = _hour(after.group(1), after.group(3), late)
        if hour is None:
            return None
        start, end = hour, min(hour + 3, 24)
    if before is not None:
        hour = _hour(before.group(1), before.group(3), late and after is not None)
        if hour is None:
            return None
        if after is None and period is None:  # "weekdays before 10am": the hours up to it
            start = max(hour - 3, 0)
        if hour <= start:
            return None
        end = hour
    end_text = "24:00" if end == 24 else f"{end:02d}:00"
    return f"{days or 'Mon-Sun'} {start:02d}:00-{end_text}"
