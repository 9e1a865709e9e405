"""What core asks a recommender and what it gets back (DESIGN §8).

Plain typed values only: the engine itself lives in `matching/` behind `core.ports.Recommender`.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime

from core.messaging import JSON
from core.skills import Level


@dataclass(frozen=True)
class TimeWindow:
    """A requested time range as UTC instants, with how the learner said it. `spans`: the
    parts of it that count ("weekday evenings": each evening, not the days between);
    empty means the whole range."""

    start: datetime
    end: datetime
    label: str
    spans: tuple[tuple[datetime, datetime], ...] = ()

    def parts(self) -> tuple[tuple[datetime, datetime], ...]:
        return self.spans or ((self.start, self.end),)


@dataclass(frozen=True)
class MatchQuery:
    """A learner's request after query understanding; each part can be corrected with a tap."""

    text: str
    skill_ids: tuple[int, ...] = ()
    skill_names: tuple[str, ...] = ()
    level: Level | None = None
    window: TimeWindow | None = None
    max_price_minor: int | None = None
    languages: tuple[str, ...] = ()
    free_text: str = ""
    corrected: tuple[str, ...] = ()  # "reakt → React": what query understanding changed

    def without(self, part: str) -> MatchQuery:
        """The same query with one understood part dropped (the learner tapped ✖)."""
        if part == "skill":
            return replace(self, skill_ids=(), skill_names=())
        if part == "level":
            return replace(self, level=None)
        if part == "time":
            return replace(self, window=None)
        if part == "price":
            return replace(self, max_price_minor=None)
        if part == "lang":
            return replace(self, languages=())
        return self

    @property
    def is_empty(self) -> bool:
        return not (
            self.skill_ids or self.free_text.strip() or self.window or self.languages or self.level
        )


@dataclass(frozen=True)
class SignalScore:
    """One signal's value in [0, 1], its blend weight, and what it added to the score."""

    name: str
    value: float
    weight: float

    @property
    def contribution(self) -> float:
        return self.value * self.weight


@dataclass(frozen=True)
class Recommendation:
    mentor_id: int
    name: str
    headline: str
    score: float
    signals: tuple[SignalScore, ...]
    reason: str
    price_minor: int
    price_mode: str
    currency: str
    rating_avg: float | None
    rating_count: int


@dataclass(frozen=True)
class RecommendationList:
    items: tuple[Recommendation, ...]
    variant: str
    total_candidates: int
    notes: tuple[str, ...] = field(default=())  # e.g. "semantic matching is off: lexical only"


# A learner who has not told us their zone: most of MentorBot's people are in India.
DEFAULT_LEARNER_ZONE = "Asia/Kolkata"

EVENT_KINDS = ("impression", "click", "request", "completion", "rating")


def query_to_json(q: MatchQuery) -> dict[str, JSON]:
    """For dialog state (JSON in the conversations table)."""
    return {
        "text": q.text,
        "skill_ids": list(q.skill_ids),
        "skill_names": list(q.skill_names),
        "level": q.level,
        "window": None
        if q.window is None
        else [
            q.window.start.isoformat(),
            q.window.end.isoformat(),
            q.window.label,
            [[a.isoformat(), b.isoformat()] for a, b in q.window.spans],
        ],
        "max_price": q.max_price_minor,
        "languages": list(q.languages),
        "free_text": q.free_text,
        "corrected": list(q.corrected),
    }


def _strs(v: JSON) -> tuple[str, ...]:
    return tuple(x for x in v if isinstance(x, str)) if isinstance(v, list) else ()


def query_from_json(raw: JSON) -> MatchQuery | None:
    if not isinstance(raw, dict):
        return None
    window = None
    w = raw.get("window")
    if isinstance(w, list) and len(w) in (3, 4) and all(isinstance(x, str) for x in w[:3]):
        raw_spans = w[3] if len(w) == 4 and isinstance(w[3], list) else []
        spans = tuple(
            (datetime.fromisoformat(s[0]), datetime.fromisoformat(s[1]))
            for s in raw_spans
            if isinstance(s, list)
            and len(s) == 2
            and isinstance(s[0], str)
            and isinstance(s[1], str)
        )
        window = TimeWindow(
            datetime.fromisoformat(str(w[0])), datetime.fromisoformat(str(w[1])), str(w[2]), spans
        )
    ids = raw.get("skill_ids")
    level = raw.get("level")
    cap = raw.get("max_price")
    text = raw.get("text")
    free = raw.get("free_text")
    return MatchQuery(
        text=text if isinstance(text, str) else "",
        skill_ids=tuple(x for x in ids if isinstance(x, int)) if isinstance(ids, list) else (),
        skill_names=_strs(raw.get("skill_names")),
        level=level if level in ("beginner", "intermediate", "advanced") else None,  # type: ignore[arg-type]
        window=window,
        max_price_minor=cap if isinstance(cap, int) and not isinstance(cap, bool) else None,
        languages=_strs(raw.get("languages")),
        free_text=free if isinstance(free, str) else "",
        corrected=_strs(raw.get("corrected")),
    )
