"""The hybrid recommender: implements core.ports.Recommender over a MentorIndex."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.matching import MatchEvent, MatchSetting, MentorEmbedding
from core.db.schema import User, UserLanguage, UserSkill
from core.ports import Clock, SystemClock
from core.recommend import (
    EVENT_KINDS,
    MatchQuery,
    Recommendation,
    RecommendationList,
    SignalScore,
)
from core.skills import SkillIndex, load_taxonomy
from matching import query as query_mod
from matching.blend import Blend, learn_blend
from matching.cf import EVENT_WEIGHT, CFModel, all_interactions
from matching.embed import Embedder
from matching.experiments import Experiment
from matching.follow import ChangeFollower
from matching.index import MentorIndex, MentorRecord, load_records
from matching.reasons import reason_line
from matching.signals import (
    SIGNALS,
    exploration,
    exposure_penalty,
    level_fit,
    overlap_value,
    price_fit,
    window_hours,
)

log = logging.getLogger(__name__)
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class MatchConfig:
    experiment: Experiment = field(default_factory=Experiment)
    exposure_half_life_h: float = 24.0
    impressions_per_free_hour: float = 3.0  # capacity: shown this often per weekly free hour
    refresh_delay_s: float = 0.05  # gather profile writes this long before re-indexing
    follow_interval_s: float = 0.5  # how often the change log is read (other processes' writes)
    infer_min_similarity: float = 0.2  # a vague request maps to a skill at least this close
    infer_vote: float = 0.3  # weight of the nearest mentors' skills in that choice
    infer_mentors: int = 20  # how many nearest mentors vote
    candidates: int = 2000  # nearest mentors by meaning (and by words) scored in full
    ann_min_mentors: int = 200_000  # from here on, semantic candidates come from faiss IVF


@dataclass(frozen=True)
class Scored:
    rows: npt.NDArray[np.int64]
    score: F32
    signals: dict[str, F32]
    boost: F32
    penalty: F32
    total: int


class SkillSource(Protocol):
    """Where the skill taxonomy index comes from (core's SkillCatalog in the app)."""

    @property
    def index(self) -> SkillIndex: ...


@dataclass
class FixedSkills:
    """A taxonomy index that never changes (benchmarks, offline evaluation)."""

    index: SkillIndex


class MatchingEngine:
    """Loads the index from the database, keeps it current, and ranks mentors."""

    def __init__(
        self,
        db: Database,
        catalog: SkillSource,
        embedder: Embedder | None,
        config: MatchConfig | None = None,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.embedder = embedder
        self.config = config or MatchConfig()
        self.semantic_ok = False
        self.index: MentorIndex | None = None
        self.cf = CFModel()
        self.blend = Blend()
        self.learned: Blend | None = None
        self._dirty: set[int] = set()
        self._refresh: asyncio.Task[None] | None = None
        self._build_lock = asyncio.Lock()
        self._qcache: OrderedDict[str, F32] = OrderedDict()
        self._decayed_at: datetime | None = None
        self._model_task: asyncio.Task[None] | None = None
        self.skill_vecs: tuple[npt.NDArray[np.int64], F32, list[str]] | None = None
        self.follower: ChangeFollower | None = None

    # ---------------------------------------------------------------- lifecycle

    async def start(
        self,
        now: datetime,
        *,
        load_model_in_background: bool = True,
        follow: bool = False,
        clock: Clock | None = None,
    ) -> None:
        """Build the lexical index now; load the embedding model off the request path.

        With `follow`, profiles written by other processes are re-indexed here too, read
        from the change log (`clock` times a retrain another process asks for)."""
        follower = None
        if follow:
            clock = clock or SystemClock()
            follower = ChangeFollower(
                self.db,
                self.profiles_written,
                lambda: self.retrain(clock.now()),
                interval_s=self.config.follow_interval_s,
            )
            await follower.begin()
        await self.rebuild(now, embed=False)
        if follower is not None:
            follower.start()
            self.follower = follower
        if self.embedder is None:
            return
        if load_model_in_background:
            self._model_task = asyncio.create_task(self._load_model(now))
        else:
            await self._load_model(now)

    async def _load_model(self, now: datetime) -> None:
        assert self.embedder is not None
        try:
            loader = getattr(self.embedder, "load", None)
            if loader is not None:
                await asyncio.to_thread(loader)
            await self.embed_missing(now)
            await self.embed_skills()
            self.semantic_ok = True
        except Exception as exc:  # the model is an extra: matching goes on without it
            log.warning("embedding model unavailable, matching uses lexical signals only: %s", exc)
            self.semantic_ok = False

    async def wait_ready(self) -> None:
        if self._model_task is not None:
            with contextlib.suppress(Exception):
                await self._model_task

    async def close(self) -> None:
        if self.follower is not None:
            await self.follower.close()
        for task in (self._refresh, self._model_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def rebuild(self, now: datetime, *, embed: bool = True) -> None:
        """Everything from the database: records, TF-IDF vocabulary, CF model, settings."""
        async with self._build_lock:
            async with self.db.transaction() as s:
                records = await load_records(s)
                stored = await self._stored_embeddings(s)
                interactions = await all_interactions(s)
                blend = await self._load_blend(s)
            dim = self.embedder.dim if self.embedder is not None else 1
            idx = MentorIndex(dim, now)
            for rec in records:
                vec = stored.get(rec.user_id)
                ok = vec is not None and vec[0] == rec.text_hash() and vec[1].shape[0] == dim
                idx.upsert(rec, vec[1] if ok and vec is not None else None)
            idx.refit_tfidf()
            await asyncio.to_thread(idx.build_ann, self.config.ann_min_mentors)
            if self.index is not None:
                # Keep exposure counts across rebuilds.
                for uid, row in self.index.pos.items():
                    new = idx.pos.get(uid)
                    if new is not None:
                        idx.impressions[new] = self.index.impressions[row]
            self.index = idx
            self.cf = await asyncio.to_thread(CFModel().fit, interactions)
            self.blend = blend
        if embed and self.semantic_ok:
            await self.embed_missing(now)

    async def retrain(self, now: datetime) -> None:
        """The scheduled job: rebuild the index and CF model, refit the learned blend."""
        await self.rebuild(now)
        async with self.db.transaction() as s:
            feats, labels = await training_rows(s)
        self.learned = learn_blend(feats, labels, self.blend)
        log.info(
            "matching retrained: %d mentors, %d CF items, blend %s",
            len(self.index.pos) if self.index else 0,
            len(self.cf.items),
            "learned" if self.learned else self.blend.source,
        )

    async def _stored_embeddings(self, s: AsyncSession) -> dict[int, tuple[str, F32]]:
        if self.embedder is None:
            return {}
        rows = await s.execute(
            select(
                MentorEmbedding.user_id, MentorEmbedding.text_hash, MentorEmbedding.vector
            ).where(MentorEmbedding.model == self.embedder.name)
        )
        return {int(u): (h, np.frombuffer(v, dtype=np.float32).copy()) for u, h, v in rows}

    async def embed_missing(self, now: datetime) -> int:
        idx = self.index
        if idx is None or self.embedder is None:
            return 0
        ids = idx.missing_embeddings()
        done = 0
        for i in range(0, len(ids), 256):
            part = ids[i : i + 256]
            recs = [r for r in (idx.records[idx.pos[u]] for u in part) if r is not None]
            await self._embed_and_store(recs, now)
            done += len(recs)
        return done

    async def _embed_and_store(self, recs: list[MentorRecord], now: datetime) -> None:
        idx = self.index
        if not recs or idx is None or self.embedder is None:
            return
        texts = [r.text() for r in recs]
        vecs = await asyncio.to_thread(self.embedder.encode, texts)
        async with self.db.transaction() as s:
            await s.execute(
                delete(MentorEmbedding).where(
                    MentorEmbedding.model == self.embedder.name,
                    MentorEmbedding.user_id.in_([r.user_id for r in recs]),
                )
            )
            for r, v in zip(recs, vecs, strict=True):
                s.add(
                    MentorEmbedding(
                        user_id=r.user_id,
                        model=self.embedder.name,
                        text_hash=r.text_hash(),
                        dim=int(v.shape[0]),
                        vector=np.asarray(v, dtype=np.float32).tobytes(),
                        updated_at=now,
                    )
                )
        for r, v in zip(recs, vecs, strict=True):
            row = idx.pos.get(r.user_id)
            if row is not None and idx.records[row] is r:
                idx.set_embedding(row, v)

    # ---------------------------------------------------------------- incremental indexing

    def profiles_written(self, user_ids: Iterable[int]) -> None:
        self._dirty.update(user_ids)
        if self._refresh is None or self._refresh.done():
            # Without a running loop (a script) the next flush() picks them up.
            with contextlib.suppress(RuntimeError):
                self._refresh = asyncio.get_running_loop().create_task(self._refresh_soon())

    async def _refresh_soon(self) -> None:
        await asyncio.sleep(self.config.refresh_delay_s)
        for _ in range(10):  # bounded: writes that arrive meanwhile get another round
            if not self._dirty:
                return
            ids, self._dirty = self._dirty, set()
            try:
                await self.reindex(ids)
            except Exception:
                log.exception("re-indexing %d profiles failed", len(ids))

    async def flush(self) -> None:
        """Wait until written profiles are searchable (tests; shutdown)."""
        for _ in range(10):
            task = self._refresh
            if task is not None and not task.done():
                await task
            elif self._dirty:
                await self.reindex(set(self._dirty))
                self._dirty.clear()
            else:
                return

    async def reindex(self, user_ids: Iterable[int]) -> None:
        idx = self.index
        if idx is None:
            return
        ids = set(user_ids)
        async with self.db.transaction() as s:
            recs = await load_records(s, ids)
        now = idx.at
        fresh: list[MentorRecord] = []
        for rec in recs:
            row = idx.pos.get(rec.user_id)
            old = idx.records[row] if row is not None else None
            same_text = old is not None and old.text_hash() == rec.text_hash()
            keep = (
                idx.emb[row].copy() if row is not None and same_text and idx.has_emb[row] else None
            )
            idx.upsert(rec, keep)
            if keep is None and row is not None:
                idx.has_emb[idx.pos[rec.user_id]] = False
            if keep is None:
                fresh.append(rec)
        for uid in ids - {r.user_id for r in recs}:
            idx.remove(uid)  # no longer an approved mentor
        if fresh and self.semantic_ok:
            await self._embed_and_store(fresh, now)

    # ---------------------------------------------------------------- understanding

    async def embed_skills(self) -> None:
        """Skill names as vectors, to read vague requests ("make my site look nicer" → CSS)."""
        if self.embedder is None:
            return
        refs = [r for r in self.catalog.index.by_id.values() if r.status == "approved"]
        if not refs:
            return
        taxonomy = {e.name: e for e in load_taxonomy()}

        def describe(name: str) -> str:
            e = taxonomy.get(name)
            if e is None:
                return name
            aliases = f" ({', '.join(e.aliases)})" if e.aliases else ""
            return f"{name}{aliases}, {e.category}"

        vecs = await asyncio.to_thread(self.embedder.encode, [describe(r.name) for r in refs])
        self.skill_vecs = (
            np.asarray([r.id for r in refs], dtype=np.int64),
            vecs,
            [r.name for r in refs],
        )

    def infer_skills(self, qvec: F32, limit: int = 1) -> list[tuple[int, str]]:
        """The taxonomy skills nearest a request that named none (confident ones only).

        Two votes: the skill's own description, and the skills of the mentors whose profiles
        are nearest the request (weighted by similarity)."""
        if self.skill_vecs is None or self.index is None:
            return []
        ids, vecs, names = self.skill_vecs
        sims = vecs @ qvec
        vote = np.zeros_like(sims)
        col = {int(s): i for i, s in enumerate(ids.tolist())}
        idx = self.index
        if idx.ann is not None:
            msims, mrows = idx.ann.search(qvec.reshape(1, -1), self.config.infer_mentors)
            near = [(int(r), float(v)) for r, v in zip(mrows[0], msims[0], strict=True) if r >= 0]
        else:
            all_sims = idx.emb[: idx.n] @ qvec
            m = min(self.config.infer_mentors, idx.n)
            top = np.argpartition(-all_sims, m - 1)[:m] if m else np.zeros(0, dtype=np.int64)
            near = [(int(r), float(all_sims[r])) for r in top]
        for row, sim in near:
            rec = idx.records[row]
            if rec is None or not idx.alive[row] or sim <= 0:
                continue
            for sid in rec.skills:
                c = col.get(sid)
                if c is not None:
                    vote[c] += sim / len(rec.skills)
        if vote.max() > 0:
            vote /= vote.max()
        combined = sims + self.config.infer_vote * vote
        order = np.argsort(-combined)[:limit]
        return [
            (int(ids[i]), names[i])
            for i in order
            if float(sims[i]) >= self.config.infer_min_similarity
        ]

    def understand(self, text: str, learner_tz: str | None, now: datetime) -> MatchQuery:
        return query_mod.understand(text, self.catalog.index, learner_tz, now)

    # ---------------------------------------------------------------- ranking

    def blend_for(self, variant: str) -> Blend:
        if variant == "content":
            return self.blend.without("cf")
        return (
            self.learned
            if self.learned is not None and self.blend.source != "admin"
            else self.blend
        )

    def _query_vector(self, text: str) -> F32 | None:
        if not self.semantic_ok or self.embedder is None or not text.strip():
            return None
        hit = self._qcache.get(text)
        if hit is not None:
            self._qcache.move_to_end(text)
            return hit
        vec = self.embedder.encode([text])[0]
        self._qcache[text] = vec
        if len(self._qcache) > 512:
            self._qcache.popitem(last=False)
        return np.asarray(vec, dtype=np.float32)

    def prepare(
        self, q: MatchQuery, goals: str = ""
    ) -> tuple[MatchQuery, F32 | None, str, list[str]]:
        """The query vector (embedding the request), and skills guessed for a vague request."""
        notes: list[str] = []
        # Skills the learner named are the skill signal's job; the semantic signals read the
        # rest of the request (or, with nothing else to go on, the learner's goals).
        semantic_text = q.free_text.strip() or ("" if q.skill_ids else goals)
        qvec: F32 | None = None
        if semantic_text and self.semantic_ok:
            try:
                qvec = self._query_vector(semantic_text)
            except Exception as exc:
                log.warning("query embedding failed, lexical only: %s", exc)
        if not q.skill_ids and qvec is not None and q.free_text.strip():
            guessed = self.infer_skills(qvec)
            if guessed:
                q = replace(
                    q,
                    skill_ids=tuple(g[0] for g in guessed),
                    skill_names=tuple(g[1] for g in guessed),
                )
                notes.append("Closest skills: " + ", ".join(g[1] for g in guessed))
        return q, qvec, semantic_text, notes

    def rank_offline(
        self, q: MatchQuery, *, learner_id: int = 0, langs: tuple[str, ...] = (), k: int = 10
    ) -> list[int]:
        """Mentor ids, best first, without a database session (benchmarks, evaluation)."""
        assert self.index is not None
        q, qvec, text, _notes = self.prepare(q)
        blend = self.blend_for(self.config.experiment.variant_of(learner_id))
        sc = self.score(
            q,
            learner_id=learner_id,
            learner_langs=langs,
            blend=blend,
            qvec=qvec,
            semantic_text=text,
        )
        return [int(self.index.ids[sc.rows[p]]) for p in top_positions(sc.score, k)]

    def _decay(self, now: datetime) -> None:
        idx = self.index
        if idx is None:
            return
        if self._decayed_at is not None and now > self._decayed_at:
            hours = (now - self._decayed_at).total_seconds() / 3600
            idx.impressions[: idx.n] *= math.pow(0.5, hours / self.config.exposure_half_life_h)
        self._decayed_at = now

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
        """Every signal for the candidate mentors; arrays in Scored are aligned with its rows.

        Candidates: mentors teaching a requested skill, the nearest by meaning and by words,
        and those CF suggests (everyone when the request says nothing at all)."""
        idx = self.index
        assert idx is not None
        n = idx.n
        share_all, level_all = idx.skill_levels(q.skill_ids)
        sem_all = idx.semantic(qvec)
        tfidf_all = idx.tfidf(semantic_text)
        cf_rows: list[int] = []
        cf_vals: list[float] = []
        if blend.weights.get("cf", 0.0) > 0:
            items, vals = self.cf.scores(learner_id)
            for m, v in zip(items.tolist(), vals.tolist(), strict=True):
                row = idx.pos.get(m)
                if row is not None and v > 0:
                    cf_rows.append(row)
                    cf_vals.append(v)
        parts = [np.nonzero(share_all)[0]]
        c = self.config.candidates
        for arr in (sem_all, tfidf_all):
            if qvec is not None or arr is tfidf_all:
                hit = np.nonzero(arr > 0)[0]
                if hit.size > c:
                    hit = hit[np.argpartition(-arr[hit], c - 1)[:c]]
                parts.append(hit)
        parts.append(np.asarray(cf_rows, dtype=np.int64))
        rows = np.unique(np.concatenate(parts)).astype(np.int64)
        if rows.size == 0:
            rows = np.arange(n, dtype=np.int64)
        keep = idx.alive[rows].copy()
        me = idx.pos.get(learner_id)
        if me is not None:
            keep &= rows != me
        if q.max_price_minor is not None:
            keep &= idx.price[rows] <= q.max_price_minor
        langs = q.languages or learner_langs
        lang = (
            ((idx.langmask[rows] & idx.lang_mask(langs)) != 0).astype(np.float32)
            if langs
            else np.ones(rows.size, dtype=np.float32)
        )
        if q.languages:
            keep &= lang > 0
        if q.skill_ids and bool((share_all[rows[keep]] > 0).any()):
            # The learner named a skill and someone teaches it: show only those who do.
            keep &= share_all[rows] > 0
        rows, lang = rows[keep], lang[keep]
        share = share_all[rows]
        cf = np.zeros(rows.size, dtype=np.float32)
        if cf_rows:
            where = {r: i for i, r in enumerate(rows.tolist())}
            for r, v in zip(cf_rows, cf_vals, strict=True):
                i = where.get(r)
                if i is not None:
                    cf[i] = v
        wanted = window_hours(q.window) if q.window is not None else []
        sig: dict[str, F32] = {
            "skill": share,
            "level": level_fit(level_all[rows], q.level)
            if q.skill_ids
            else np.zeros(rows.size, dtype=np.float32),
            "semantic": sem_all[rows],
            "tfidf": np.clip(tfidf_all[rows] * 2.0, 0.0, 1.0).astype(np.float32),
            "cf": cf,
            "reputation": idx.reputation()[rows],
            "availability": overlap_value(idx.free_slots(wanted, rows), len(wanted)),
            "language": lang,
            "price": price_fit(idx.price[rows], q.max_price_minor),
        }
        total = np.zeros(rows.size, dtype=np.float32)
        for name in SIGNALS:
            w = blend.weights.get(name, 0.0)
            if w:
                total += w * sig[name]
        boost = blend.exploration * exploration(idx.rating_count[rows])
        capacity = idx.free_per_week(rows) / 2.0 * self.config.impressions_per_free_hour
        penalty = blend.exposure * exposure_penalty(idx.impressions[rows], capacity)
        total += boost - penalty
        if q.skill_ids:
            relevant = int((share > 0).sum())
        else:
            relevant = int(((sig["semantic"] > 0.05) | (sig["tfidf"] > 0.02)).sum())
        return Scored(rows, total, sig, boost, penalty, relevant)

    async def recommend(
        self,
        session: AsyncSession,
        learner_id: int,
        query: MatchQuery,
        k: int,
        now: datetime,
        offset: int = 0,
    ) -> RecommendationList:
        if self.index is None:
            await self.rebuild(now, embed=False)
        idx = self.index
        assert idx is not None
        variant = self.config.experiment.variant_of(learner_id)
        blend = self.blend_for(variant)
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
        q, qvec, semantic_text, more = await asyncio.to_thread(self.prepare, q, goals)
        notes.extend(more)
        if qvec is None and blend.weights.get("semantic", 0) > 0 and not self.semantic_ok:
            notes.append("Semantic matching is warming up; ranking on lexical signals.")
        self._decay(now)
        sc = self.score(
            q,
            learner_id=learner_id,
            learner_langs=langs,
            blend=blend,
            qvec=qvec,
            semantic_text=semantic_text,
        )
        ranked = top_positions(sc.score, offset + k)[offset : offset + k]
        items: list[Recommendation] = []
        for pos, row in enumerate(ranked.tolist()):
            rec = idx.records[int(sc.rows[row])]
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

    # ---------------------------------------------------------------- settings

    async def _load_blend(self, s: AsyncSession) -> Blend:
        row = await s.get(MatchSetting, "blend")
        return Blend.from_json(row.value) if row is not None else Blend()

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


async def training_rows(
    s: AsyncSession, since: datetime | None = None, limit: int = 200_000
) -> tuple[list[dict[str, float]], list[int]]:
    """Impressions with their logged signals, labelled 1 when the learner then clicked or
    requested that mentor."""
    q = select(MatchEvent.learner_id, MatchEvent.mentor_id, MatchEvent.features).where(
        MatchEvent.kind == "impression", MatchEvent.features.is_not(None)
    )
    if since is not None:
        q = q.where(MatchEvent.created_at >= since - timedelta(days=90))
    imps = (await s.execute(q.order_by(MatchEvent.id.desc()).limit(limit))).all()
    pos = {
        (int(a), int(m))
        for a, m in await s.execute(
            select(MatchEvent.learner_id, MatchEvent.mentor_id).where(
                MatchEvent.kind.in_(("click", "request", "completion"))
            )
        )
    }
    feats: list[dict[str, float]] = []
    labels: list[int] = []
    for a, m, f in imps:
        if isinstance(f, dict):
            feats.append({str(k): float(v) for k, v in f.items()})
            labels.append(1 if (int(a), int(m)) in pos else 0)
    return feats, labels


def top_positions(score: F32, k: int) -> npt.NDArray[np.int64]:
    """Positions of the k best scores, best first (ties: lower position first)."""
    return top_rows(np.arange(score.size, dtype=np.int64), score, k)


def top_rows(rows: npt.NDArray[np.int64], score: F32, k: int) -> npt.NDArray[np.int64]:
    """The k best rows by score (ties: lower row first), best first."""
    if rows.size == 0 or k <= 0:
        return np.zeros(0, dtype=np.int64)
    s = score[rows]
    if rows.size > k:
        part = np.argpartition(-s, k - 1)[:k]
        rows, s = rows[part], s[part]
    order = np.lexsort((rows, -s))
    return rows[order]
