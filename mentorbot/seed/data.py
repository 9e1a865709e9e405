"""The seed's word lists (names, organisations, roles, bio and review sentences), read from
mentorbot/data/seed_*.json when a seed runs rather than when the module is imported."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Region:
    weight: int
    male: tuple[str, ...]
    female: tuple[str, ...]
    last: tuple[str, ...]
    language: str  # own language besides English / Hindi
    language_p: float  # chance the person lists it
    hindi_p: float  # Indian regions only
    english_p: float
    zones: tuple[tuple[str, int], ...] = ()  # international regions only
    colleges: tuple[str, ...] = ()  # international regions only


@dataclass(frozen=True)
class Track:
    """How people in one skill category describe themselves."""

    roles: tuple[str, ...]
    orgs: str
    sessions: tuple[str, ...]
    goals: tuple[str, ...]
    student_share: float = 0.0
    max_years: int = 15
    certs: tuple[str, ...] = ()
    school: str = "college"
    branches: tuple[tuple[str, int], ...] = ()  # empty: engineering branches


@dataclass(frozen=True)
class SeedData:
    indian: dict[str, Region]
    international: dict[str, Region]
    diaspora_zones: tuple[tuple[str, int], ...]
    orgs: dict[str, tuple[str, ...]]
    tracks: dict[str, Track]
    generic_track: Track
    intros: tuple[str, ...]
    skill_lines: tuple[str, ...]
    closers: tuple[str, ...]
    closers_at_work: tuple[str, ...]  # said by people with a job, on top of `closers`
    reviews: dict[int, tuple[str, ...]]  # by stars


def _read(name: str) -> Any:
    raw = resources.files("mentorbot").joinpath(f"data/seed_{name}.json").read_text("utf-8")
    return json.loads(raw)


def _pairs(rows: list[list[Any]]) -> tuple[tuple[str, int], ...]:
    return tuple((str(a), int(b)) for a, b in rows)


def _region(raw: dict[str, Any]) -> Region:
    return Region(
        weight=raw["weight"],
        male=tuple(raw["male"]),
        female=tuple(raw["female"]),
        last=tuple(raw["last"]),
        language=raw["language"],
        language_p=raw["language_p"],
        hindi_p=raw["hindi_p"],
        english_p=raw["english_p"],
        zones=_pairs(raw.get("zones", [])),
        colleges=tuple(raw.get("colleges", ())),
    )


def _track(raw: dict[str, Any], sessions: dict[str, list[str]], goals: list[str]) -> Track:
    return Track(
        roles=tuple(raw["roles"]),
        orgs=raw["orgs"],
        sessions=tuple(sessions[raw.get("sessions", "generic")]),
        goals=tuple(raw.get("goals", goals)),
        student_share=raw.get("student_share", 0.0),
        max_years=raw.get("max_years", 15),
        certs=tuple(raw.get("certs", ())),
        school=raw.get("school", "college"),
        branches=_pairs(raw.get("branches", [])),
    )


@functools.cache
def load_seed_data() -> SeedData:
    people, careers, texts = _read("people"), _read("careers"), _read("texts")
    sessions, goals = careers["sessions"], careers["generic_goals"]
    return SeedData(
        indian={k: _region(v) for k, v in people["indian"].items()},
        international={k: _region(v) for k, v in people["international"].items()},
        diaspora_zones=_pairs(people["diaspora_zones"]),
        orgs={k: tuple(v) for k, v in careers["orgs"].items()},
        tracks={k: _track(v, sessions, goals) for k, v in careers["tracks"].items()},
        generic_track=_track(careers["generic_track"], sessions, goals),
        intros=tuple(texts["intros"]),
        skill_lines=tuple(texts["skill_lines"]),
        closers=tuple(texts["closers"]),
        closers_at_work=tuple(texts["closers_at_work"]),
        reviews={int(k): tuple(v) for k, v in texts["reviews"].items()},
    )
