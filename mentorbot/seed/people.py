"""Who the seeded people are: name, zone, languages, skills, goals, free times, profile."""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from core.languages import language_by_code
from mentorbot.seed.catalog import Catalog, SkillInfo
from mentorbot.seed.data import Region, SeedData, Track
from mentorbot.seed.draw import ago, distinct, weighted
from mentorbot.seed.profiles import Mentor, mentor_profile

INDIA_TZ = "Asia/Kolkata"
INTERNATIONAL_SHARE = 0.2
DIASPORA_SHARE = 0.12  # of Indians: with 20% internationals this leaves ~70% in Asia/Kolkata

MENTOR_CATEGORIES = {
    "Programming Languages": 14,
    "Web Development": 14,
    "Computer Science Fundamentals": 12,
    "Data Science": 10,
    "Machine Learning & AI": 10,
    "Career": 8,
    "Cloud & DevOps": 8,
    "Higher Studies": 6,
    "Design": 6,
}
LEARNER_CATEGORIES = {**MENTOR_CATEGORIES, "Career": 10, "Higher Studies": 8}
TEACH_LEVELS = (("advanced", 55), ("intermediate", 42), ("beginner", 3))
LEARN_LEVELS = (("beginner", 60), ("intermediate", 35), ("advanced", 5))

WINDOW_PATTERNS: tuple[tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...], int], ...] = (
    # weekdays, start times (min), lengths (min), weight
    ((0, 1, 2, 3, 4), (18 * 60, 18 * 60 + 30, 19 * 60, 20 * 60), (120, 150, 180), 45),
    ((5, 6), (8 * 60, 9 * 60, 10 * 60), (120, 180), 25),
    ((0, 1, 2, 3, 4), (12 * 60 + 30, 13 * 60), (60,), 12),
    ((0, 1, 2, 3, 4), (6 * 60 + 30, 7 * 60), (60, 90), 6),
    ((5, 6), (14 * 60, 15 * 60, 16 * 60), (120, 180, 240), 10),
    ((0, 1, 2, 3, 4), (21 * 60 + 30,), (90, 120), 4),
)


@dataclass
class Person:
    kind: str  # "mentor" | "learner"
    n: int
    name: str
    timezone: str
    languages: list[str]
    created_at: datetime
    learns: bool
    teaches: bool
    goals: str = ""
    teach: list[tuple[SkillInfo, str]] = field(default_factory=list)
    learn: list[tuple[SkillInfo, str]] = field(default_factory=list)
    windows: list[tuple[int, int, int]] = field(default_factory=list)
    profile: dict[str, Any] | None = None
    quality: float = 1.0
    indian: bool = True
    colleges: tuple[str, ...] = ()


class _Names:
    def __init__(self, rng: random.Random, data: SeedData) -> None:
        self.rng = rng
        self.data = data
        self.used: dict[str, int] = defaultdict(int)

    def person(self) -> tuple[str, Region, bool]:
        rng = self.rng
        indian = rng.random() >= INTERNATIONAL_SHARE
        regions = self.data.indian if indian else self.data.international
        key = weighted(rng, [(k, r.weight) for k, r in regions.items()])
        region = regions[key]
        name = ""
        for _ in range(6):  # duplicates happen, but rarely
            female = rng.random() < 0.45
            first = rng.choice(region.female if female else region.male)
            last = rng.choice(region.last)
            if key == "punjabi" and female and rng.random() < 0.4:
                last = "Kaur"
            name = f"{first} {last}"
            if self.used[name] == 0:
                break
        self.used[name] += 1
        return name, region, indian


def _valid_language(code: str) -> bool:
    try:
        return language_by_code(code) is not None
    except (KeyError, LookupError, ValueError):
        return False


def _languages(rng: random.Random, region: Region, indian: bool) -> list[str]:
    codes: list[str] = []
    if rng.random() < region.english_p:
        codes.append("en")
    if indian and rng.random() < region.hindi_p:
        codes.append("hi")
    if region.language not in codes and rng.random() < region.language_p:
        codes.append(region.language)
    codes = [c for c in dict.fromkeys(codes) if _valid_language(c)]
    return codes or ["en"]


def _timezone(rng: random.Random, data: SeedData, region: Region, indian: bool) -> str:
    if indian:
        return INDIA_TZ if rng.random() >= DIASPORA_SHARE else weighted(rng, data.diaspora_zones)
    return weighted(rng, region.zones)


def _windows(rng: random.Random) -> list[tuple[int, int, int]]:
    count = weighted(rng, ((1, 30), (2, 40), (3, 30)))
    used: set[int] = set()
    out: list[tuple[int, int, int]] = []
    for _ in range(count):
        days, starts, lengths, _weight = weighted(rng, [(p, p[3]) for p in WINDOW_PATTERNS])
        free = [d for d in days if d not in used]
        if not free:
            continue
        day = rng.choice(free)
        start = rng.choice(starts)
        end = min(start + rng.choice(lengths), 24 * 60)
        used.add(day)
        out.append((day, start, end))
    return sorted(out)


def _goals(rng: random.Random, track: Track, skills: Sequence[SkillInfo], now: datetime) -> str:
    """One or two goals; `skills` are the learner's skills in the track's category."""
    month = (now + timedelta(days=rng.randint(90, 180))).strftime("%B")
    k = weighted(rng, ((1, 70), (2, 30)))
    parts = distinct(rng, track.goals, [1.0] * len(track.goals), k)
    text = ". ".join(
        g.format(skill=rng.choice(skills).name, month=month, next_year=now.year + 1) for g in parts
    )
    return text + "."


def _skill_set(
    rng: random.Random,
    catalog: Catalog,
    preferred: dict[str, int],
    count: int,
    *,
    career_p: float,
    stray_p: float,
    exclude: set[int] | None = None,
) -> tuple[str, list[SkillInfo]]:
    taken = set(exclude or ())
    primary = catalog.category(rng, preferred)
    extra: list[SkillInfo] = []
    if count > 1 and primary != "Career" and rng.random() < career_p:
        extra = catalog.pick(rng, "Career", 1, taken)
    elif count > 1 and rng.random() < stray_p:
        extra = catalog.pick(rng, catalog.category(rng, preferred), 1, taken)
    taken |= {s.id for s in extra}
    main = catalog.pick(rng, primary, count - len(extra), taken)
    return primary, (main + extra) or catalog.pick(rng, primary, 1, set(exclude or ()))


def plan(
    rng: random.Random,
    data: SeedData,
    catalog: Catalog,
    mentors: int,
    learners: int,
    now: datetime,
) -> list[Person]:
    names = _Names(rng, data)
    people: list[Person] = []
    for i in range(mentors + learners):
        is_mentor = i < mentors
        n = i + 1 if is_mentor else i - mentors + 1
        name, region, indian = names.person()
        person = Person(
            kind="mentor" if is_mentor else "learner",
            n=n,
            name=name,
            timezone=_timezone(rng, data, region, indian),
            languages=_languages(rng, region, indian),
            created_at=ago(rng, now, 1, 400),
            learns=not is_mentor or rng.random() < 0.15,
            teaches=is_mentor,
            indian=indian,
            colleges=region.colleges,
        )
        taught: set[int] = set()
        if is_mentor:
            count = weighted(rng, ((1, 20), (2, 35), (3, 30), (4, 15)))
            primary, skills = _skill_set(
                rng, catalog, MENTOR_CATEGORIES, count, career_p=0.3, stray_p=0.1
            )
            track = data.tracks.get(primary, data.generic_track)
            person.teach = [(s, weighted(rng, TEACH_LEVELS)) for s in skills]
            who = Mentor(n, indian, region.colleges)
            person.profile, person.created_at = mentor_profile(rng, data, who, track, skills, now)
            if person.profile["status"] == "approved" and person.profile["years_experience"] > 2:
                person.teach = [
                    (s, "advanced" if lv == "beginner" else lv) for s, lv in person.teach
                ]
            person.windows = _windows(rng)
            person.quality = 1.0 if rng.random() < 0.9 else 0.0
            taught = {s.id for s in skills}
        if person.learns:
            count = (
                weighted(rng, ((1, 40), (2, 40), (3, 20))) if not is_mentor else rng.randint(1, 2)
            )
            primary, skills = _skill_set(
                rng,
                catalog,
                LEARNER_CATEGORIES,
                count,
                career_p=0.15,
                stray_p=0.25,
                exclude=taught,
            )
            skills = [s for s in skills if s.id not in taught]
            person.learns = bool(skills)
            person.learn = [(s, weighted(rng, LEARN_LEVELS)) for s in skills]
            if skills:
                own = [s for s in skills if s in catalog.by_category.get(primary, ())]
                track = data.tracks.get(primary, data.generic_track)
                person.goals = _goals(rng, track, own or skills, now)
            if not is_mentor and rng.random() < 0.6:
                person.windows = _windows(rng)
        people.append(person)
    return people
