"""The hybrid recommender: implements core.ports.Recommender. A facade over the Indexer
(keeps the index current) and the Ranker (scores a request against it)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.matching import MatchEvent, MatchSetting
from core.db.schema import User, UserLanguage, UserSkill
from core.ports import RankObserver
from core.recommend import (
    EVENT_KINDS,
    MatchQuery,
    Recommendation,
    RecommendationList,
    SignalScore,
)
from matching.blend import Blend
from matching.cf import EVENT_WEIGHT
from matching.embed import Embedder
from matching.index import load_records
from matching.indexer import (
    F32,
    FixedSkills,
    Indexer,
    MatchConfig,
    SkillSource,
    training_rows,
)
from matching.ranker import Ranker, Scored, top_positions, top_rows
from matching.reasons import reason_line
from matching.signals import SIGNALS

__all__ = [
    "FixedSkills",
    "MatchConfig",
    "MatchingEngine",
    "Scored",
    "SkillSource",
    "save_blend",
    "top_positions",
    "top_rows",
    "training_rows",
]


class MatchingEngine(Indexer):
    """Loads the index from the database, keeps it current (Indexer), and ranks mentors."""

    def __init__(
        self,
        db: Database,
        catalog: SkillSource,
        embedder: Embedder | None,
        config: MatchConfig | None = None,
        observer: RankObserver | None = None,
    ) -> None:
        super().__init__(db, catalog, embedder, config)
        self.ranker = Ranker(self)
        self.observer = observer

    # ---------------------------------------------------------------- ranking

    def blend_for(self, variant: str) -> Blend:
        return self.ranker.blend_for(variant)

    def infer_skills(self, qvec: F32, limit: int = 1) -> list[tuple[int, str]]:
        return self.ranker.infer_skills(qvec, limit)

    def understand(self, text: str, learner_tz: str | None, now: datetime) -> MatchQuery:
        return self.ranker.understand(text, learner_tz, now)

    def prepare(
        self, q: MatchQuery, goals: str = ""
    ) -> tuple[MatchQuery, F32 | None, str, list[str]]:
        return self.ranker.prepare(q, goals)

    def rank_offline(
        self, q: MatchQuery, *, learner_id: int = 0, langs: tuple[str, ...] = (), k: int = 10
    ) -> list[int]:
        return self.ranker.rank_offline(q, learner_id=learner_id, langs=langs, k=k)

    def score(
        self,
        q: MatchQuery,
        *,
        learner_id: int,
        learner_langs: tuple[str, ...],
        blend: Blend,
        qvec: F32 | None,
        semantic_text: str,
    ) -> Scored:
        return self.ranker.score(
            q,
            learner_id=learner_id,
            learner_langs=learner_langs,
            blend=blend,
            qvec=qvec,
            semantic_text=semantic_text,
        )

    async def recommend(
        self,
        session: AsyncSession,
        learner_id: int,
        query: MatchQuery,
        k: int,
        now: datetime,
        offset: int = 0,
    ) -> RecommendationList:
        """Rank for one query, timed for the observer (matching latency in /metrics)."""
        started = time.perf_counter()
        try:
            return await self._recommend(session, learner_id, query, k, now, offset)
        finally:
            if self.observer is not None:
                self.observer.ranked(
                    self.config.experiment.variant_of(learner_id), time.perf_counter() - started
                )

    async def _recommend(
        self,
        session: AsyncSession,
        learner_id: int,
        query: MatchQuery,
        k: int,
        now: datetime,
        offset: int,
    ) -> RecommendationList:
        if self.index is None:
            await self.rebuild(now, embed=False)
        idx = self.index
        assert idx is not None
        variant = self.config.experiment.variant_of(learner_id)
        blend = self.ranker.blend_for(variant)
        learner = await session.get(User, learner_id)
        learner_tz = learner.timezone if learner is not None else None
        langs = tuple(
            (
                await session.scalars(
                    select(UserLanguage.code).where(UserLanguage.user_id == learner_id)
                )
            ).all()
        )
        notes: list[str] = []
        q = query
        if not q.skill_ids and not q.free_text.strip():
            # Nothing to go on: what the learner said they want to learn.
            learn = (
                await session.scalars(
                    select(UserSkill.skill_id).where(
                        UserSkill.user_id == learner_id, UserSkill.kind == "learn"
                    )
                )
            ).all()
            if learn:
                q = replace(q, skill_ids=tuple(learn))
                notes.append("Nothing specific asked: using the skills on your profile.")
        goals = learner.goals if learner is not None else ""
        q, qvec, semantic_text, more = await asyncio.to_thread(self.ranker.prepare, q, goals)
        notes.extend(more)
        if qvec is None and blend.weights.get("semantic", 0) > 0 and not self.semantic_ok:
            notes.append("Semantic matching is warming up; ranking on lexical signals.")
        self.ranker.decay(now)
        sc = self.ranker.score(
            q,
            learner_id=learner_id,
            learner_langs=langs,
            blend=blend,
            qvec=qvec,
            semantic_text=semantic_text,
        )
        ranked = top_positions(sc.score, offset + k)[offset : offset + k]
        # The index keeps no profile text: the shown mentors' cards come from the database.
        shown = {
            r.user_id: r
            for r in await load_records(session, [int(idx.ids[sc.rows[p]]) for p in ranked])
        }
        items: list[Recommendation] = []
        for pos, row in enumerate(ranked.tolist()):
            rec = shown.get(int(idx.ids[sc.rows[row]]))
            if rec is None:
                continue
            signals = (
                *(
                    SignalScore(
                        name,
                        round(float(sc.signals[name][row]), 4),
                        float(blend.weights.get(name, 0.0)),
                    )
                    for name in SIGNALS
                ),
                SignalScore("new-mentor boost", round(float(sc.boost[row]), 4), 1.0),
                SignalScore("exposure cap", round(-float(sc.penalty[row]), 4), 1.0),
            )
            items.append(
                Recommendation(
                    mentor_id=rec.user_id,
                    name=rec.name,
                    headline=rec.headline,
                    score=round(float(sc.score[row]), 4),
                    signals=signals,
                    reason=reason_line(
                        rec, q, {n: float(sc.signals[n][row]) for n in SIGNALS}, learner_tz, now
                    ),
                    price_minor=rec.list_price_minor,
                    price_mode=rec.price_mode,
                    currency=rec.currency,
                    rating_avg=rec.rating_sum / rec.rating_count if rec.rating_count else None,
                    rating_count=rec.rating_count,
                )
            )
            idx.impressions[sc.rows[row]] += 1.0
            session.add(
                MatchEvent(
                    learner_id=learner_id,
                    mentor_id=rec.user_id,
                    variant=variant,
                    kind="impression",
                    position=offset + pos,
                    features={n: round(float(sc.signals[n][row]), 4) for n in SIGNALS},
                    created_at=now,
                )
            )
        return RecommendationList(tuple(items), variant, sc.total, tuple(notes))

    async def log_event(
        self,
        session: AsyncSession,
        learner_id: int,
        mentor_id: int,
        kind: str,
        now: datetime,
        position: int | None = None,
    ) -> None:
        if kind not in EVENT_KINDS:
            raise ValueError(f"unknown event kind {kind!r}")
        variant = self.config.experiment.variant_of(learner_id)
        session.add(
            MatchEvent(
                learner_id=learner_id,
                mentor_id=mentor_id,
                variant=variant,
                kind=kind,
                position=position,
                created_at=now,
            )
        )
        if kind in EVENT_WEIGHT:
            self.cf.add(learner_id, mentor_id, EVENT_WEIGHT[kind])

    def weights(self) -> dict[str, float]:
        b = self.blend
        return {**b.weights, "exploration": b.exploration, "exposure": b.exposure}

    async def set_weights(
        self, changes: Mapping[str, float], now: datetime, session: AsyncSession | None = None
    ) -> dict[str, float]:
        """An admin changes blend weights (ValueError for an unknown signal or a weight
        outside 0..5); stored, and used from the next request on."""
        blend = self.blend.with_weights(changes)
        await save_blend(self.db, blend, now, session)
        self.blend = blend
        return self.weights()

    async def reset_weights(
        self, now: datetime, session: AsyncSession | None = None
    ) -> dict[str, float]:
        await save_blend(self.db, Blend(), now, session)
        self.blend = Blend()
        return self.weights()


async def save_blend(
    db: Database, blend: Blend, now: datetime, session: AsyncSession | None = None
) -> None:
    """In the caller's transaction when given one (a chat step holds SQLite's write lock)."""
    if session is None:
        async with db.transaction() as s:
            await save_blend(db, blend, now, s)
        return
    row = await session.get(MatchSetting, "blend")
    value: dict[str, Any] = blend.to_json()
    if row is None:
        session.add(MatchSetting(key="blend", value=value, updated_at=now))
    else:
        row.value = value
        row.updated_at = now
