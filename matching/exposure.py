"""Who gets shown: a simulated week of the product on the synthetic matching set.

Mentors without reviews stand for mentors in their first 14 days (no reviews, nobody has
chosen them). Learners have a history: each chose a few established mentors who teach the
skill they need, better ones more often. For a week, learners search for that skill; every
top-10 is counted as impressions (and feeds the engine's exposure cap, as live requests do).
The report compares new mentors' share of impressions with their share of mentors, with the
CF's content map (matching/coldstart.py) and without it.
"""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import timedelta

import numpy as np

from matching.cf import CFModel, Interaction
from matching.embed import Embedder, HashingEmbedder, MiniLMEmbedder
from matching.engine import MatchingEngine, top_positions
from matching.features import MentorFeatures
from matching.query import understand
from matching.synthetic import NOW, Case, build, make_engine, query_metrics

LEARNER_BASE = 10_000_000  # learner ids, apart from mentor ids


def learner_histories(
    cases: list[Case], quality: dict[int, float], new: set[int], learners: int, seed: int
) -> tuple[list[Interaction], dict[int, Case]]:
    """Each learner needs one explicit case's skill and chose 2-5 established mentors among
    its relevant ones, weighted by quality, seconds apart."""
    rng = random.Random(seed)
    explicit = [c for c in cases if c.kind == "explicit"]
    out: list[Interaction] = []
    needs: dict[int, Case] = {}
    for i in range(learners):
        lid = LEARNER_BASE + i
        case = rng.choice(explicit)
        pool = sorted(m for m in case.relevant if m not in new)
        if not pool:
            continue
        needs[lid] = case
        t = NOW.timestamp() - rng.randrange(1, 90) * 86_400
        picks = rng.choices(pool, weights=[quality[m] for m in pool], k=rng.randint(2, 5))
        for m in dict.fromkeys(picks):
            out.append(Interaction(lid, m, 1.0, t))
            t += rng.randint(10, 120)
    return out, needs


def week(
    engine: MatchingEngine, needs: dict[int, Case], per_day: int, seed: int, k: int = 10
) -> Counter[int]:
    """Impressions per mentor id over seven days of searches."""
    idx = engine.index
    assert idx is not None
    idx.impressions[:] = 0.0
    rng = random.Random(seed)
    learners = sorted(needs)
    shown: Counter[int] = Counter()
    for day in range(7):
        now = NOW + timedelta(days=day)
        engine.ranker.decay(now)
        for _ in range(per_day):
            lid = rng.choice(learners)
            q = understand(needs[lid].text, engine.catalog.index, "Asia/Kolkata", now)
            q, qvec, text, _notes = engine.prepare(q)
            sc = engine.score(
                q, learner_id=lid, learner_langs=(), blend=engine.blend, qvec=qvec,
                semantic_text=text,
            )  # fmt: skip
            rows = sc.rows[top_positions(sc.score, k)]
            idx.impressions[rows] += 1.0
            shown.update(int(idx.ids[r]) for r in rows)
    return shown


def new_mentor_exposure(
    engine: MatchingEngine,
    cases: list[Case],
    quality: dict[int, float],
    *,
    learners: int = 300,
    per_day: int = 200,
    seed: int = 0,
) -> dict[str, float]:
    """New mentors' share of mentors and of a week's impressions, with the CF's content map
    and without it."""
    idx = engine.index
    assert idx is not None
    alive = [int(idx.ids[r]) for r in range(idx.n) if idx.alive[r]]
    new = {m for m in alive if idx.rating_count[idx.pos[m]] == 0}
    interactions, needs = learner_histories(cases, quality, new, learners, seed)
    feats = MentorFeatures.of(idx)
    engine.cf = CFModel().fit(interactions, 4000, lambda ids: feats.mentors(idx, ids))
    engine.cf_features = feats
    with_map = week(engine, needs, per_day, seed)
    engine.cf.content = None
    without = week(engine, needs, per_day, seed)
    total = float(sum(with_map.values()))

    def share(c: Counter[int]) -> float:
        return sum(v for m, v in c.items() if m in new) / max(1.0, float(sum(c.values())))

    return {
        "new_mentor_share": len(new) / max(1, len(alive)),
        "impression_share": share(with_map),
        "impression_share_without_content_map": share(without),
        "new_mentors_shown": float(sum(1 for m in new if with_map[m] > 0)) / max(1, len(new)),
        "impressions": total,
        "mean_new": float(np.mean([with_map[m] for m in new])) if new else 0.0,
    }


def synthetic_report(
    mentors: int = 600, model: str = "minilm", seed: int = 0
) -> dict[str, dict[str, float]]:
    """`mentorbot eval synthetic`: P@5 per query kind, then (under "new_mentors") the
    simulated week's exposure, on one engine."""
    records, cases, index, quality = build(mentors, seed)
    embedder: Embedder = MiniLMEmbedder() if model == "minilm" else HashingEmbedder()
    engine = asyncio.run(make_engine(records, index, embedder))
    try:
        out = query_metrics(engine, cases, index)
        out["new_mentors"] = new_mentor_exposure(engine, cases, quality, seed=seed)
    finally:
        asyncio.run(engine.db.dispose())
    return out
