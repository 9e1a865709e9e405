"""Profile field parsers: THE checks for every profile answer, used by the step dialogs
(onboarding, profile edit, mentor application) and by their one-page forms alike.

Each takes what the person typed and returns the parsed value or `Invalid(hint)`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from core.availability import Window, parse_availability
from core.currency import money, parse_money
from core.forms import FieldEnv, Invalid
from core.languages import Language, parse_languages
from core.markup import esc, quote
from core.numbers import as_int
from core.skills import Level, SkillIndex, SkillMatch, SkillSuggestions, split_skill_list
from core.timezones import TzResolved, TzSuggestions, resolve_timezone
from core.understand.slots import (
    looks_like_sentence,
    read_hours,
    read_languages,
    read_name,
    read_place,
    read_skills,
)

MAX_PRICE_MINOR = 10_000_00
MAX_SKILLS = 12


def is_skip(text: str | None) -> bool:
    return text is not None and text.strip().casefold() in ("skip", "none", "no", "-", "later")


def parse_name(text: str) -> str | Invalid:
    """ "Priya", "I'm Priya", "call me Raj", "rahul sharma" -> the name, capitalised."""
    clean = " ".join(text.split())
    read = read_name(clean)
    if read is None and looks_like_sentence(clean):
        return Invalid("That reads like a sentence — just the name people should call you, please.")
    # Confirmed as the answer ("Help" is my name): capitalised like a read name.
    clean = read or (clean[:1].upper() + clean[1:] if clean.islower() else clean)
    if not 2 <= len(clean) <= 60 or not re.search(r"\w", clean):
        return Invalid("A name should be 2 to 60 characters.")
    return clean


GOALS_SHORT = "Tell me a little more"


def parse_goals(text: str) -> str | Invalid:
    if len(text) < 3:
        return Invalid(GOALS_SHORT + " (at least 3 characters).")
    if len(text) > 2000:
        return Invalid("That's long — please keep it under 2000 characters.")
    return text


def parse_language_list(text: str) -> tuple[Language, ...] | Invalid:
    parsed = parse_languages(text)
    if parsed.unknown:  # "I speak English and a bit of Hindi"
        phrase = read_languages(text)
        again = parse_languages(phrase) if phrase else None
        if again is not None and again.found and not again.unknown:
            parsed = again
    if parsed.unknown:
        hints = []
        for token in parsed.unknown:
            sugg = parsed.suggestions.get(token, ())
            if sugg:
                hints.append(f"{quote(token)} — did you mean {' or '.join(s.name for s in sugg)}?")
            else:
                hints.append(f"I don't know the language {quote(token)}.")
        return Invalid(" ".join(hints))
    if not parsed.found:
        return Invalid("Please name at least one language.")
    return parsed.found


@dataclass(frozen=True)
class TzChoice:
    """Several zones fit what was typed: the step dialog offers them as buttons."""

    typed: str
    options: tuple[str, ...]
    labels: tuple[str, ...] = ()  # "Bangalore (UTC+05:30)" per option


def tz_unknown(text: str) -> str:
    return (
        f"I couldn't find a time zone for {quote(text)}. Try a big city near you "
        "(e.g. Mumbai, London, New York) or an offset like UTC+5:30."
    )


def resolve_tz(text: str, at: datetime | None = None) -> str | TzChoice | Invalid:
    res = resolve_timezone(text)
    place = read_place(text) if not isinstance(res, TzResolved) else None
    if place:  # "I'm in Pune", "i live in bangalore"
        res = resolve_timezone(place)
        text = place
    if isinstance(res, TzResolved):
        return res.name
    if isinstance(res, TzSuggestions) and res.options:
        when = at or datetime.now(UTC)  # only for the offsets shown on the choices
        labels = tuple(res.label(i, when) for i in range(len(res.options)))
        return TzChoice(text, tuple(res.options), labels)
    return Invalid(tz_unknown(text))


def parse_timezone_field(text: str) -> str | Invalid:
    """One answer only (a form): several matches become a "did you mean" hint."""
    res = resolve_tz(text)
    if isinstance(res, TzChoice):
        return Invalid(
            f"Did you mean {' or '.join(res.labels or res.options)} for {quote(text)}? "
            "Type one of them."
        )
    return res


def parse_windows(text: str) -> tuple[Window, ...] | Invalid:
    parsed = parse_availability(text)
    if parsed.errors or not parsed.windows:  # "weekday evenings after 7", "weekends"
        phrase = read_hours(text)
        again = parse_availability(phrase) if phrase else None
        if again is not None and again.windows and not again.errors:
            parsed = again
    if parsed.errors or not parsed.windows:
        return Invalid(" ".join(parsed.errors) or "I couldn't read any times in that.")
    return parsed.windows


def parse_headline(text: str) -> str | Invalid:
    if not 5 <= len(text) <= 120:
        return Invalid("A headline is 5 to 120 characters.")
    return " ".join(text.split())


def parse_bio(text: str) -> str | Invalid:
    if not 20 <= len(text) <= 1500:
        return Invalid(f"A bio is 20 to 1500 characters (that was {len(text)}).")
    return text


def parse_years(text: str) -> int | Invalid:
    t = text.lower().removesuffix("years").removesuffix("yrs").strip()
    years = as_int(t, hi=60)
    if years is None:
        return Invalid("Please type a whole number of years, like 3.")
    return years


@dataclass(frozen=True)
class Price:
    mode: str  # paid | free | credits
    minor: int

    def label(self, currency: str = "INR") -> str:
        if self.mode == "free":
            return "free"
        if self.mode == "credits":
            return "1 credit per session"
        return f"{money(self.minor, currency)} per session"


def parse_price(text: str) -> Price | Invalid:
    """ "150", "₹150.50", "₹1,000", "free", "credits": what a session costs."""
    t = text.casefold().strip()
    if t in ("free", "0"):
        return Price("free", 0)
    if t in ("credits", "credit"):
        return Price("credits", 0)
    minor = parse_money(t)
    if minor is None:
        return Invalid("Please type an amount in rupees like 150, or choose Free or Credits.")
    return price_of_minor(minor)


def price_of_minor(minor: int) -> Price | Invalid:
    if minor > MAX_PRICE_MINOR:
        return Invalid(f"The most a session can cost is {money(MAX_PRICE_MINOR)}.")
    return Price("paid", minor)


def parse_lengths(text: str, allowed: tuple[int, ...]) -> tuple[int, ...] | Invalid:
    nums = [int(x) for x in re.findall(r"\d+", text)]
    if not nums or any(n not in allowed for n in nums):
        return Invalid(f"Choose from {', '.join(map(str, allowed))} minutes.")
    return tuple(sorted(set(nums)))


@dataclass(frozen=True)
class Extras:
    certifications: str
    video_url: str


def parse_extras(text: str) -> Extras | Invalid:
    urls = re.findall(r"https?://\S+", text)
    rest = re.sub(r"https?://\S+", "", text).strip(" ,;\n")
    if re.search(r"\b(?:www\.|youtu)\S*", rest):
        return Invalid("Links need to start with https:// .")
    return Extras(rest[:1000], urls[0][:300] if urls else "")


@dataclass(frozen=True)
class SkillList:
    """A typed skill list against the taxonomy: recognised skills, and names still open."""

    found: tuple[tuple[int, str, Level | None], ...]  # skill id, name, level if typed
    unresolved: tuple[tuple[str, Level | None], ...]  # typed name, level
    corrections: tuple[str, ...]  # “Kubernets” → *Kubernetes*
    errors: tuple[str, ...]


def read_skill_list(index: SkillIndex, text: str) -> SkillList:
    items, errors = split_skill_list(text)
    if not errors:  # "python please, and some sql" is a list too, written as people write
        items = read_skills(text, lambda name: index.exact(name) is not None)
    found: list[tuple[int, str, Level | None]] = []
    unresolved: list[tuple[str, Level | None]] = []
    notes: list[str] = []
    for it in items[:MAX_SKILLS]:
        res = index.resolve(it.name)
        if isinstance(res, SkillMatch):
            found.append((res.skill.id, res.skill.name, it.level))
            if res.corrected:
                notes.append(f"{quote(it.name)} → *{esc(res.skill.name)}*")
        else:
            unresolved.append((it.name, it.level))
    if len(items) > MAX_SKILLS:
        errors.append(f"That's a lot of skills — I kept the first {MAX_SKILLS}.")
    return SkillList(tuple(found), tuple(unresolved), tuple(notes), tuple(errors))


def skill_hint(index: SkillIndex, typed: str) -> str:
    res = index.resolve(typed)
    options = res.options if isinstance(res, SkillSuggestions) else ()
    if options:
        return f"{quote(typed)} — did you mean {' or '.join(o.name for o in options)}?"
    return f"I don't know the skill {quote(typed)}."


def parse_skills_field(
    index: SkillIndex, text: str, default_level: Level
) -> tuple[tuple[int, Level], ...] | Invalid:
    """One answer only (a form): any name the taxonomy can't place is an error with hints."""
    got = read_skill_list(index, text)
    problems = list(got.errors)
    problems += [skill_hint(index, typed) for typed, _lvl in got.unresolved]
    if got.unresolved:
        problems.append("Fix the spelling, or add a brand-new skill in our chat.")
    if problems:
        return Invalid(" ".join(problems))
    if not got.found:
        return Invalid("Please name at least one skill.")
    return tuple((sid, lvl or default_level) for sid, _n, lvl in got.found)


# ---- validators for forms: (env, text) -> value | Invalid -----------------------------


AGE_HINT = (
    "Please choose your age group with a button, or type your age (e.g. 17): "
    "under 13, 13–17 or 18 or older."
)
UNDER_13 = "under13"  # never stored: MentorBot is for people 13 and older
UNDER_13_REFUSED = (
    "MentorBot is for people 13 and older, so I can't set up a profile for you. "
    "That means no sessions or messages here. I haven't stored your age."
)
_UNDER_18_WORDS = frozenset({"under 18", "under18", "<18", "below 18", "u18", "under-18"})
_MINOR_WORDS = frozenset({"13-17", "13 - 17", "13 to 17", "minor", "teen", "teenager"})
_ADULT_WORDS = frozenset(
    {"18+", "18 +", "18 or older", "18 or over", "18plus", "adult", "over 18", "18 plus"}
)
_OLD_ADULT_BANDS = frozenset({"18to24", "18-24", "18 - 24", "18 to 24", "25plus", "25+"})


def parse_age_band(text: str) -> str | Invalid:
    """ "13-17", "17", "I'm 20", "18+" -> under18 | 18plus; "12", "under 13" -> UNDER_13
    (refused by the caller, never stored)."""
    t = " ".join(text.casefold().replace("–", "-").replace("—", "-").split())
    t = t.rstrip(".!")
    if t in (UNDER_13, "under 13", "<13", "below 13", "u13", "under-13"):
        return UNDER_13
    if t in _UNDER_18_WORDS or t in _MINOR_WORDS:
        return "under18"
    if t in _ADULT_WORDS or t in _OLD_ADULT_BANDS or t in ("25 or older", "over 25"):
        return "18plus"
    numbers = re.findall(r"\d+", t)
    if len(numbers) == 1 and not re.search(r"\d\s*(months?|weeks?|days?)\b", t):
        age = int(numbers[0])
        if 3 <= age < 13:
            return UNDER_13
        if 13 <= age < 18:
            return "under18"
        if 18 <= age <= 120:
            return "18plus"
    return Invalid(AGE_HINT)


def v_age(env: FieldEnv, text: str) -> object:
    got = parse_age_band(text)
    return Invalid(UNDER_13_REFUSED) if got == UNDER_13 else got


def v_name(env: FieldEnv, text: str) -> object:
    return parse_name(text)


def v_goals(env: FieldEnv, text: str) -> object:
    return parse_goals(text)


def v_languages(env: FieldEnv, text: str) -> object:
    got = parse_language_list(text)
    return got if isinstance(got, Invalid) else tuple(lang.code for lang in got)


def v_timezone(env: FieldEnv, text: str) -> object:
    return parse_timezone_field(text)


def v_availability(env: FieldEnv, text: str) -> object:
    return parse_windows(text)


def v_learn_skills(env: FieldEnv, text: str) -> object:
    return parse_skills_field(env.skills, text, "beginner")


def v_teach_skills(env: FieldEnv, text: str) -> object:
    return parse_skills_field(env.skills, text, "intermediate")


def v_headline(env: FieldEnv, text: str) -> object:
    return parse_headline(text)


def v_bio(env: FieldEnv, text: str) -> object:
    return parse_bio(text)


def v_years(env: FieldEnv, text: str) -> object:
    return parse_years(text)


def v_price(env: FieldEnv, text: str) -> object:
    return parse_price(text)


def v_lengths(env: FieldEnv, text: str) -> object:
    return parse_lengths(text, env.policies.session_lengths)


def v_extras(env: FieldEnv, text: str) -> object:
    return parse_extras(text)
