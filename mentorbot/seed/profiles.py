"""A mentor's profile: headline, bio, experience, certificates, price and review status."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mentorbot.seed.catalog import SkillInfo
from mentorbot.seed.data import SeedData, Track
from mentorbot.seed.draw import ago, distinct, weighted

STUDENT_YEARS = (("Final-year", 50), ("Pre-final year", 30), ("3rd-year", 20))
BRANCHES = (("CSE", 60), ("IT", 12), ("ECE", 15), ("EE", 6), ("Mechanical", 7))
MASTERS_SHARE = 0.12  # of engineering students: "M.Tech CSE at IIT Delhi"
PRICES = ((5000, 10), (7500, 12), (10000, 35), (15000, 15), (20000, 12), (30000, 9), (50000, 7))
LENGTHS = (((10,), 30), ((10, 20), 30), ((10, 30), 10), ((10, 20, 30), 30))


@dataclass(frozen=True)
class Mentor:
    """Who the profile is for; the profile also decides when they joined."""

    n: int
    indian: bool
    colleges: tuple[str, ...]


def join(words: Sequence[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def article(word: str) -> str:
    head = word.split()[0].split("/")[0].rstrip("-0123456789")
    if head.isupper() and len(head) > 1:  # acronyms go by letter name: an SDE, a UX designer
        return "an" if head[0] in "AEFHILMNORSX" else "a"
    return "an" if head[:1].lower() in "aeio" else "a"


def span(years: int) -> str:
    if years <= 0:
        return "a few months"
    return f"{years} year{'s' if years != 1 else ''}"


def org(rng: random.Random, data: SeedData, kind: str, indian: bool) -> str:
    if not indian and f"{kind}_intl" in data.orgs:
        kind = f"{kind}_intl"
    return rng.choice(data.orgs[kind])


def mentor_profile(
    rng: random.Random,
    data: SeedData,
    who: Mentor,
    track: Track,
    skills: Sequence[SkillInfo],
    now: datetime,
) -> tuple[dict[str, Any], datetime]:
    """The profile's columns, and when the mentor joined (before they applied)."""
    student = rng.random() < track.student_share
    shown = [s.short for s in skills[: weighted(rng, ((1, 35), (2, 65)))]]
    tag = " & ".join(shown)
    if student:
        if who.indian:
            college = rng.choice(data.orgs[track.school])
        else:
            college = rng.choice(who.colleges or data.orgs["grad"])
        years = rng.choice((0, 0, 1, 2))
        branch = weighted(rng, track.branches or BRANCHES)
        if not track.branches and rng.random() < MASTERS_SHARE:
            degree = "M.Tech" if who.indian else "MS"
            headline = f"{degree} {branch} at {college}"
            intro = f"I'm doing my {degree} in {branch} at {college}"
        else:
            year = weighted(rng, STUDENT_YEARS)
            headline = f"{year} {branch} at {college}"
            intro = f"I'm a {year.lower()} {branch} student at {college}"
        if rng.random() < 0.5:
            intro += f" and interned at {org(rng, data, track.orgs, who.indian)} last summer."
        else:
            intro += "."
    else:
        role = rng.choice(track.roles)
        where = org(rng, data, track.orgs, who.indian)
        years = min(track.max_years, max(0, round(rng.triangular(0, 15, 4))))
        if any(w in role for w in ("Senior", "Staff", "Lead", "Manager", "Architect")):
            years = max(years, rng.randint(5, 9))
        headline = f"{role} at {where}"
        worked = span(years)
        intro = rng.choice(data.intros).format(
            a=article(role),
            role=role,
            org=where,
            exp=f"{worked} of experience",
            span=worked[0].upper() + worked[1:],
        )
    headline = f"{headline} · {tag}"[:120]
    names = [s.name for s in skills]
    sentences = [intro, rng.choice(data.skill_lines).format(skills=join(names))]
    sentences.append(rng.choice(track.sessions))
    if rng.random() < 0.5:
        closers = data.closers if student else data.closers + data.closers_at_work
        sentences.append(rng.choice(closers))
    certs = ""
    if track.certs and rng.random() < (0.15 if student else 0.35):
        certs = "; ".join(
            distinct(rng, track.certs, [1.0] * len(track.certs), weighted(rng, ((1, 75), (2, 25))))
        )
    mode = weighted(rng, (("paid", 75), ("free", 15), ("credits", 10)))
    price = 0
    if mode == "paid":
        price = weighted(rng, PRICES)
        if student:
            price = min(price, 10000)
        elif years >= 8 and price < 15000 and rng.random() < 0.5:
            price = 15000 if rng.random() < 0.6 else 20000
    approved = rng.random() < 0.9
    if approved:
        created = ago(rng, now, 20, 900)
        applied = created + timedelta(minutes=rng.randint(10, 3 * 24 * 60))
        decided: datetime | None = applied + timedelta(minutes=rng.randint(60, 4 * 24 * 60))
    else:
        created = ago(rng, now, 0.5, 20)
        applied = created + timedelta(minutes=rng.randint(5, 180))
        applied = min(applied, now)
        decided = None
    profile = {
        "headline": headline,
        "bio": " ".join(sentences),
        "years_experience": years,
        "certifications": certs,
        "intro_video_url": f"https://example.com/intro/{who.n}" if rng.random() < 0.25 else "",
        "price_minor": price,
        "currency": "INR",
        "price_mode": mode,
        "session_lengths": list(weighted(rng, LENGTHS)),
        "status": "approved" if approved else "pending",
        "status_reason": "",
        "applied_at": applied,
        "decided_at": decided,
        "rating_sum": 0,
        "rating_count": 0,
        "sessions_completed": 0,
    }
    return profile, created
