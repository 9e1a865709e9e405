"""Collaborative filtering on who-chose-whom.

The engine's model (`CFModel`, kind "ensemble") is EASE (item-item, closed form) fitted on a
Gram matrix that also counts *when* learners chose: two mentors chosen by the same learner
close in time add exp(-|Δt| / τ) to their co-occurrence (the temporal term), plus the ideal
low-pass filter of GF-CF (the top singular vectors of the degree-normalised matrix). Its
settings (`CFParams`) were chosen on a validation split carved out of TRAIN
(`mentorbot eval movielens --tune`, docs/matching.md). Item-KNN, PureSVD and RP3beta stay as
baselines."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.tables import Booking
from core.db.matching import MatchEvent
from core.db.schema import Review
from matching.coldstart import ContentMap, LearnerScores, blend_with_content

if TYPE_CHECKING:
    import scipy.sparse as sp

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

# How much each logged interaction says "this learner wanted this mentor".
EVENT_WEIGHT = {"click": 0.3, "request": 1.0, "completion": 1.0, "rating": 1.0}


@dataclass(frozen=True)
class Interaction:
    learner: int
    mentor: int
    weight: float
    at: float | None = None  # when the learner chose, seconds since the epoch, if known


@dataclass(frozen=True)
class CFParams:
    """The ensemble's settings. Defaults: the best mean validation NDCG@10 over MovieLens
    seeds 0, 1, 2 (validation = 10% of each seed's TRAIN; TEST never seen), printed by
    `mentorbot eval movielens --tune`."""

    l2: float = 300.0  # EASE's ridge
    temporal: float = 0.5  # weight of the time-proximity co-occurrence added to EASE's Gram
    tau_s: float = 60.0  # its kernel exp(-|Δt| / tau_s), seconds
    lowpass: float = 0.5  # weight of the low-pass filter part (after max-normalising)
    factors: int = 64  # its singular vectors


def _epoch(t: datetime | None) -> float | None:
    if t is None:
        return None
    return (t if t.tzinfo is not None else t.replace(tzinfo=UTC)).timestamp()


async def review_interactions(session: AsyncSession) -> list[Interaction]:
    rows = await session.execute(
        select(
            Review.author_id, Review.mentor_id, func.max(Review.stars), func.min(Review.created_at)
        ).group_by(Review.author_id, Review.mentor_id)
    )
    return [Interaction(int(a), int(m), 0.6 + 0.1 * int(s), _epoch(t)) for a, m, s, t in rows]


async def logged_interactions(
    session: AsyncSession, since: datetime | None = None
) -> list[Interaction]:
    q = select(
        MatchEvent.learner_id, MatchEvent.mentor_id, MatchEvent.kind, MatchEvent.created_at
    ).where(MatchEvent.kind.in_(tuple(EVENT_WEIGHT)))
    if since is not None:
        q = q.where(MatchEvent.created_at >= since)
    return [
        Interaction(int(a), int(m), EVENT_WEIGHT[k], _epoch(t))
        for a, m, k, t in await session.execute(q)
    ]


async def booking_interactions(session: AsyncSession) -> list[Interaction]:
    """Bookings as CF evidence: a request counts 1.0 (the learner chose this mentor), a
    completed session 1.0 more. Declined or expired requests still show the choice, made when
    the request was created."""
    rows = await session.execute(
        select(Booking.learner_id, Booking.mentor_id, Booking.status, Booking.created_at).where(
            Booking.status != "cancelled"
        )
    )
    return [
        Interaction(int(a), int(m), 2.0 if st == "completed" else 1.0, _epoch(t))
        for a, m, st, t in rows
    ]


async def all_interactions(session: AsyncSession) -> list[Interaction]:
    return (
        await review_interactions(session)
        + await logged_interactions(session)
        + await booking_interactions(session)
    )


class CFModel:
    """Learner × mentor scores from an implicit matrix; fitted off the request path."""

    def __init__(
        self,
        kind: str = "ensemble",
        l2: float | None = None,
        neighbours: int = 50,
        params: CFParams | None = None,
    ) -> None:
        params = params or CFParams()
        self.kind = kind
        self.params = params if l2 is None else replace(params, l2=l2)
        self.neighbours = neighbours
        self.items: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.item_pos: dict[int, int] = {}
        self.B: F32 = np.zeros((0, 0), dtype=np.float32)
        self.parts: list[tuple[float, F32]] = []
        self.history: dict[int, dict[int, float]] = {}
        self.chosen_at: dict[int, dict[int, float]] = {}
        self.content: ContentMap | None = None

    @property
    def fitted(self) -> bool:
        return bool(self.B.shape[0] > 0)

    def fit(
        self,
        interactions: Sequence[Interaction],
        max_items: int = 4000,
        features: Callable[[npt.NDArray[np.int64]], F32] | None = None,
    ) -> CFModel:
        """`features` gives mentors' content features by id: with it, the model learns to
        score any mentor from their content (matching/coldstart.py)."""
        hist: dict[int, dict[int, float]] = {}
        when: dict[int, dict[int, float]] = {}
        for it in interactions:
            row = hist.setdefault(it.learner, {})
            row[it.mentor] = min(1.0, row.get(it.mentor, 0.0) + it.weight)
            if it.at is not None:
                times = when.setdefault(it.learner, {})
                # The first time this learner chose this mentor.
                times[it.mentor] = min(it.at, times.get(it.mentor, it.at))
        self.history = hist
        self.chosen_at = when
        counts: dict[int, int] = {}
        for row in hist.values():
            for m in row:
                counts[m] = counts.get(m, 0) + 1
        # The most chosen mentors carry the item-item model; the rest are content's job.
        items = sorted(counts, key=lambda m: (-counts[m], m))[:max_items]
        self.items = np.asarray(sorted(items), dtype=np.int64)
        self.item_pos = {int(m): i for i, m in enumerate(self.items)}
        n = len(self.items)
        self.content = None
        if n == 0:
            self.B = np.zeros((0, 0), dtype=np.float32)
            self.parts = []
            return self
        X, T = self._matrices(hist, when)
        self.parts = item_models(X, self.kind, self.params, self.neighbours, T)
        self.B = self.parts[0][1]
        if features is not None:
            F = features(self.items)
            if F.shape[1] > 0:
                item_counts = np.asarray([counts[int(m)] for m in self.items], dtype=np.float64)
                self.content = ContentMap.fit(F, [B for _, B in self.parts], item_counts)
        return self

    def _matrices(
        self, hist: dict[int, dict[int, float]], when: dict[int, dict[int, float]]
    ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        """The learner × mentor weights and, aligned with them, when each choice was made
        (NaN where unknown)."""
        import scipy.sparse as sp  # imported when fitting, not at start-up

        rows, cols, vals, times = [], [], [], []
        for r, (learner, row) in enumerate(hist.items()):
            at = when.get(learner, {})
            for m, w in row.items():
                c = self.item_pos.get(m)
                if c is not None:
                    rows.append(r)
                    cols.append(c)
                    vals.append(w)
                    times.append(at.get(m, np.nan))
        shape = (len(hist), len(self.items))
        X = sp.csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=shape)
        T = sp.csr_matrix((np.asarray(times, dtype=np.float64), (rows, cols)), shape=shape)
        return X, T

    def learner_vector(self, history: dict[int, float]) -> F32:
        x = np.zeros(len(self.items), dtype=np.float32)
        for m, w in history.items():
            c = self.item_pos.get(m)
            if c is not None:
                x[c] = w
        return x

    def scores(self, learner: int) -> tuple[npt.NDArray[np.int64], F32]:
        """(mentor ids, scores in [0, 1]) for a learner; empty for one with no history."""
        ls = self.learner_scores(learner)
        return ls.items, ls.scores

    def learner_scores(self, learner: int) -> LearnerScores:
        """A learner's scores for the modelled mentors and, with a content map, the means to
        score every other mentor from their features on the same scale."""
        hist = self.history.get(learner)
        if not hist or not self.fitted:
            return LearnerScores(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32))
        x = self.learner_vector(hist)
        part_scores = [np.asarray(x @ B, dtype=np.float64) for _, B in self.parts]
        if self.content is not None:
            x64 = x.astype(np.float64)
            raw, taste, ref_own, ref_pred = blend_with_content(
                self.content, x64, part_scores, [w for w, _ in self.parts], x64
            )
        else:
            raw = np.zeros(len(self.items), dtype=np.float64)
            for (w, _B), part in zip(self.parts, part_scores, strict=True):
                top = float(part.max()) if part.size else 0.0
                if top > 0:
                    raw += w * part / top
        top = float(raw.max()) if raw.size else 0.0
        if top <= 0:
            return LearnerScores(self.items, np.zeros(len(self.items), dtype=np.float32))
        scores = np.clip(raw / top, 0.0, 1.0).astype(np.float32)
        if self.content is None:
            return LearnerScores(self.items, scores)
        return LearnerScores(self.items, scores, taste / top, ref_own / top, ref_pred / top)

    def add(self, learner: int, mentor: int, weight: float) -> None:
        """Fold new evidence into a learner's history now; the item model waits for retrain."""
        row = self.history.setdefault(learner, {})
        row[mentor] = min(1.0, row.get(mentor, 0.0) + weight)


def item_models(
    X: sp.csr_matrix,
    kind: str,
    params: CFParams | None = None,
    k: int = 50,
    T: sp.csr_matrix | None = None,
) -> list[tuple[float, F32]]:
    """(weight, B) parts; a learner's scores are the weighted sum of max-normalised x @ B.

    `T` holds when each choice in `X` was made (same sparsity, NaN when unknown); the
    ensemble's temporal term needs it and is left out without it."""
    p = params or CFParams()
    if kind == "ensemble":
        W = temporal_cooccurrence(X, T, p.tau_s) if T is not None and p.temporal > 0 else None
        parts = [(1.0, ease(X, p.l2, W, p.temporal))]
        if p.lowpass > 0 and min(X.shape) >= 3:  # an SVD needs a few learners and mentors
            parts.append((p.lowpass, lowpass_filter(X, p.factors)))
        return parts
    return [(1.0, fit_item_model(X, kind, p.l2, k))]


def ease(X: sp.csr_matrix, l2: float, W: F64 | None = None, temporal: float = 0.0) -> F32:
    """EASE's closed form on the Gram matrix XᵀX (+ temporal × W, the time-proximity
    co-occurrence; for temporal ≤ 1 the sum stays positive semi-definite, W being a sum of
    Laplace-kernel matrices without their diagonal, and l2 keeps it invertible)."""
    n = X.shape[1]
    G = (X.T @ X).toarray().astype(np.float64)
    if W is not None and temporal > 0:
        G += temporal * W
    G[np.diag_indices(n)] += l2
    P = np.linalg.inv(G)
    B = P / (-np.diag(P))
    B[np.diag_indices(n)] = 0.0
    return np.asarray(B, dtype=np.float32)


def temporal_cooccurrence(
    X: sp.csr_matrix, T: sp.csr_matrix, tau_s: float, reach: float = 8.0
) -> F64:
    """W[i, j] = Σ over learners who chose both of w_i · w_j · exp(-|t_i − t_j| / tau_s).

    Only pairs closer than `reach` × tau_s count (the kernel is < 0.0004 beyond), found by
    sorting every choice by (learner, time) and walking offsets 1, 2, … until no learner has
    two choices that close: the work is the number of close pairs, not Σ n_learner²."""
    import scipy.sparse as sp

    n = X.shape[1]
    Xc = sp.csr_matrix(X)
    Tc = sp.csr_matrix(T)
    Xc.sort_indices()
    Tc.sort_indices()
    if Xc.nnz != Tc.nnz or not np.array_equal(Xc.indices, Tc.indices):
        raise ValueError("T must have X's sparsity pattern")
    users = np.repeat(np.arange(Xc.shape[0]), np.diff(Xc.indptr))
    items = Xc.indices.astype(np.int64)
    weights = Xc.data.astype(np.float64)
    times = Tc.data.astype(np.float64)
    known = np.isfinite(times)
    users, items, weights, times = users[known], items[known], weights[known], times[known]
    order = np.lexsort((times, users))
    users, items, weights, times = users[order], items[order], weights[order], times[order]
    cut = reach * tau_s
    a_all: list[npt.NDArray[np.int64]] = []
    b_all: list[npt.NDArray[np.int64]] = []
    v_all: list[F64] = []
    for d in range(1, users.size):
        gap = times[d:] - times[:-d]
        close = (users[d:] == users[:-d]) & (gap <= cut)
        if not close.any():
            break  # sorted by time: if no pair is this close at offset d, none is at d + 1
        a_all.append(items[:-d][close])
        b_all.append(items[d:][close])
        v_all.append(weights[:-d][close] * weights[d:][close] * np.exp(-gap[close] / tau_s))
    if not a_all:
        return np.zeros((n, n), dtype=np.float64)
    a = np.concatenate(a_all)
    b = np.concatenate(b_all)
    v = np.concatenate(v_all)
    W = sp.coo_matrix(
        (np.concatenate([v, v]), (np.concatenate([a, b]), np.concatenate([b, a]))), shape=(n, n)
    )
    return np.asarray(W.toarray(), dtype=np.float64)


def lowpass_filter(X: sp.csr_matrix, factors: int) -> F32:
    """GF-CF's ideal low-pass filter: with R = D_u^-½ X D_i^-½ and V its top right singular
    vectors, B = D_i^-½ V Vᵀ D_i^½."""
    import scipy.sparse as sp

    Xs = sp.csr_matrix(X, dtype=np.float64)
    du = np.asarray(Xs.sum(axis=1)).ravel()
    di = np.asarray(Xs.sum(axis=0)).ravel()
    inv_u = np.where(du > 0, 1.0 / np.sqrt(np.maximum(du, 1e-12)), 0.0)
    inv_i = np.where(di > 0, 1.0 / np.sqrt(np.maximum(di, 1e-12)), 0.0)
    R = sp.diags(inv_u) @ Xs @ sp.diags(inv_i)
    k = max(1, min(factors, min(R.shape) - 1))
    from scipy.sparse.linalg import svds

    v0 = np.full(min(R.shape), 1.0 / np.sqrt(min(R.shape)))  # deterministic start
    _u, _s, Vt = svds(R, k=k, v0=v0)
    V = Vt.T
    B = (inv_i[:, None] * V) @ (V.T * np.sqrt(np.maximum(di, 0.0))[None, :])
    return np.asarray(B, dtype=np.float32)


def fit_item_model(X: sp.csr_matrix, kind: str, l2: float = 400.0, k: int = 50) -> F32:
    """An item × item weight matrix B so that scores = x_user @ B (single models)."""
    import scipy.sparse as sp

    n = X.shape[1]
    if kind == "ease":
        return ease(X, l2)
    if kind == "lowpass":
        return lowpass_filter(X, k)
    G = (X.T @ X).toarray().astype(np.float64)
    if kind == "itemknn":
        norms = np.sqrt(np.diag(G)) + 1e-9
        sim = G / norms[:, None] / norms[None, :]
        np.fill_diagonal(sim, 0.0)
        if k < n:
            cut = np.partition(sim, n - k, axis=0)[n - k]
            sim[sim < cut[None, :]] = 0.0
        return np.asarray(sim, dtype=np.float32)
    if kind == "rp3beta":
        Xs = sp.csr_matrix(X, dtype=np.float64)
        deg_i = np.asarray(Xs.sum(axis=0)).ravel() + 1e-9
        deg_u = np.asarray(Xs.sum(axis=1)).ravel() + 1e-9
        left = (Xs @ sp.diags(1.0 / deg_i)).T.tocsr()
        right = sp.diags(1.0 / deg_u) @ Xs
        W = np.asarray((left @ right).toarray())
        W /= deg_i[None, :] ** 0.7
        np.fill_diagonal(W, 0.0)
        return np.asarray(W, dtype=np.float32)
    if kind == "puresvd":
        from sklearn.decomposition import TruncatedSVD

        comps = max(1, min(k, n - 1))
        svd = TruncatedSVD(n_components=comps, random_state=0).fit(X)
        V = svd.components_.T
        return np.asarray(V @ V.T, dtype=np.float32)
    raise ValueError(f"unknown CF model {kind!r}")
