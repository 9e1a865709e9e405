"""Ranks indexed mentors for one request: reads the query, scores every signal for the
candidates, blends them. Reads the indexer's current index, models and settings; never the
database."""

from __future__ import annotations

import logging
import math
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime

import numpy as np
import numpy.typing as npt

from core.recommend import MatchQuery
from matching import query as query_mod
from matching.blend import Blend
from matching.coldstart import LearnerScores
from matching.indexer import Indexer
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
class Scored:
    rows: npt.NDArray[np.int64]
    score: F32
    signals: dict[str, F32]
    boost: F32
    penalty: F32
    total: int


class Ranker:
    """One request in, mentors scored and ordered; keeps only a query-vector cache and the
    exposure decay clock of its own."""

    def __init__(self, source: Indexer) -> None:
        # Read on every request, not copied: a rebuild or retrain swaps them in place.
        self.src = source
        self._qcache: OrderedDict[str, F32] = OrderedDict()
        self._decayed_at: datetime | None = None

    def infer_skills(self, qvec: F32, limit: int = 1) -> list[tuple[int, str]]:
        """The taxonomy skills nearest a request that named none (confident ones only).

        Two votes: the skill's own description, and the skills of the mentors whose profiles
        are nearest the request (weighted by similarity)."""
        if self.src.skill_vecs is None or self.src.index is None:
            return []
        ids, vecs, names = self.src.skill_vecs
        sims = vecs @ qvec
        vote = np.zeros_like(sims)
        col = {int(s): i for i, s in enumerate(ids.tolist())}
        idx = self.src.index
        if idx.ann is not None:
            msims, mrows = idx.ann.search(qvec.reshape(1, -1), self.src.config.infer_mentors)
            near = [(int(r), float(v)) for r, v in zip(mrows[0], msims[0], strict=True) if r >= 0]
        else:
            all_sims = idx.emb[: idx.n] @ qvec
            m = min(self.src.config.infer_mentors, idx.n)
            top = np.argpartition(-all_sims, m - 1)[:m] if m else np.zeros(0, dtype=np.int64)
            near = [(int(r), float(all_sims[r])) for r in top]
        for row, sim in near:
            skills = idx.row_skills(row)
            if not skills or not idx.alive[row] or sim <= 0:
                continue
            for sid in skills:
                c = col.get(sid)
                if c is not None:
                    vote[c] += sim / len(skills)
        if vote.max() > 0:
            vote /= vote.max()
        combined = sims + self.src.config.infer_vote * vote
        order = np.argsort(-combined)[:limit]
        return [
            (int(ids[i]), names[i])
            for i in order
            if float(sims[i]) >= self.src.config.infer_min_similarity
        ]

    def understand(self, text: str, learner_tz: str | None, now: datetime) -> MatchQuery:
        return query_mod.understand(text, self.src.catalog.index, learner_tz, now)

    def blend_for(self, variant: str) -> Blend:
        if variant == "content":
            return self.src.blend.without("cf")
        return (
            self.src.learned
            if self.src.learned is not None and self.src.blend.source != "admin"
            else self.src.blend
        )

    def _query_vector(self, text: str) -> F32 | None:
        if not self.src.semantic_ok or self.src.embedder is None or not text.strip():
            return None
        hit = self._qcache.get(text)
        if hit is not None:
            self._qcache.move_to_end(text)
            return hit
        vec = self.src.embedder.encode([text])[0]
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
        if semantic_text and self.src.semantic_ok:
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
        assert self.src.index is not None
        q, qvec, text, _notes = self.prepare(q)
        blend = self.blend_for(self.src.config.experiment.variant_of(learner_id))
        sc = self.score(
            q,
            learner_id=learner_id,
            learner_langs=langs,
            blend=blend,
            qvec=qvec,
            semantic_text=text,
        )
        return [int(self.src.index.ids[sc.rows[p]]) for p in top_positions(sc.score, k)]

    def decay(self, now: datetime) -> None:
        """Exposure counts fade with time (half-life in the config)."""
        idx = self.src.index
        if idx is None:
            return
        if self._decayed_at is not None and now > self._decayed_at:
            hours = (now - self._decayed_at).total_seconds() / 3600
            idx.impressions[: idx.n] *= math.pow(0.5, hours / self.src.config.exposure_half_life_h)
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
        idx = self.src.index
        assert idx is not None
        n = idx.n
        share_all, level_all = idx.skill_levels(q.skill_ids)
        sem_all = idx.semantic(qvec)
        tfidf_all = idx.tfidf(semantic_text)
        cf_rows: list[int] = []
        cf_vals: list[float] = []
        modelled: list[int] = []
        learner_cf = None
        if blend.weights.get("cf", 0.0) > 0:
            learner_cf = self.src.cf.learner_scores(learner_id)
            for m, v in zip(learner_cf.items.tolist(), learner_cf.scores.tolist(), strict=True):
                row = idx.pos.get(m)
                if row is not None:
                    modelled.append(row)
                    if v > 0:
                        cf_rows.append(row)
                        cf_vals.append(v)
        parts = [np.nonzero(share_all)[0]]
        c = self.src.config.candidates
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
        if learner_cf is not None and learner_cf.taste is not None:
            cf = self._content_cf(learner_cf, rows, modelled, cf)
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
        capacity = idx.free_per_week(rows) / 2.0 * self.src.config.impressions_per_free_hour
        penalty = blend.exposure * exposure_penalty(idx.impressions[rows], capacity)
        total += boost - penalty
        if q.skill_ids:
            relevant = int((share > 0).sum())
        else:
            relevant = int(((sig["semantic"] > 0.05) | (sig["tfidf"] > 0.02)).sum())
        return Scored(rows, total, sig, boost, penalty, relevant)

    def _content_cf(
        self, learner_cf: LearnerScores, rows: npt.NDArray[np.int64], modelled: list[int], cf: F32
    ) -> F32:
        """The CF signal of candidates outside the CF model (no or little history), from
        their content on the CF scale (matching/coldstart.py)."""
        feats = self.src.cf_features
        idx = self.src.index
        if feats is None or idx is None:
            return cf
        outside = ~np.isin(rows, np.asarray(modelled, dtype=np.int64))
        at = np.nonzero(outside)[0][: self.src.config.content_cf_max_rows]
        if at.size == 0:
            return cf
        out = cf.copy()
        out[at] = learner_cf.predict(feats.rows(idx, rows[at]))
        return out


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
