"""Collaborative filtering on who-chose-whom: EASE (item-item, closed form), item-KNN and
PureSVD (scikit-learn's TruncatedSVD). Measured on MovieLens-100k by `mentorbot eval movielens`;
EASE is the one the engine uses (see docs/matching.md)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.tables import Booking
from core.db.matching import MatchEvent
from core.db.schema import Review

F32 = npt.NDArray[np.float32]

# How much each logged interaction says "this learner wanted this mentor".
EVENT_WEIGHT = {"click": 0.3, "request": 1.0, "completion": 1.0, "rating": 1.0}


@dataclass(frozen=True)
class Interaction:
    learner: int
    mentor: int
    weight: float


async def review_interactions(session: AsyncSession) -> list[Interaction]:
    rows = await session.execute(
        select(Review.author_id, Review.mentor_id, func.max(Review.stars)).group_by(
            Review.author_id, Review.mentor_id
        )
    )
    return [Interaction(int(a), int(m), 0.6 + 0.1 * int(s)) for a, m, s in rows]


async def logged_interactions(
    session: AsyncSession, since: datetime | None = None
) -> list[Interaction]:
    q = select(MatchEvent.learner_id, MatchEvent.mentor_id, MatchEvent.kind).where(
        MatchEvent.kind.in_(tuple(EVENT_WEIGHT))
    )
    if since is not None:
        q = q.where(MatchEvent.created_at >= since)
    return [Interaction(int(a), int(m), EVENT_WEIGHT[k]) for a, m, k in await session.execute(q)]


async def booking_interactions(session: AsyncSession) -> list[Interaction]:
    """Bookings as CF evidence: a request counts 1.0 (the learner chose this mentor), a
    completed session 1.0 more. Declined or expired requests still show the choice."""
    rows = await session.execute(
        select(Booking.learner_id, Booking.mentor_id, Booking.status).where(
            Booking.status != "cancelled"
        )
    )
    return [Interaction(int(a), int(m), 2.0 if st == "completed" else 1.0) for a, m, st in rows]


async def all_interactions(session: AsyncSession) -> list[Interaction]:
    return (
        await review_interactions(session)
        + await logged_interactions(session)
        + await booking_interactions(session)
    )


class CFModel:
    """Learner × mentor scores from an implicit matrix; fitted off the request path."""

    def __init__(self, kind: str = "ensemble", l2: float = 400.0, neighbours: int = 50) -> None:
        self.kind = kind
        self.l2 = l2
        self.neighbours = neighbours
        self.items: npt.NDArray[np.int64] = np.zeros(0, dtype=np.int64)
        self.item_pos: dict[int, int] = {}
        self.B: F32 = np.zeros((0, 0), dtype=np.float32)
        self.parts: list[tuple[float, F32]] = []
        self.history: dict[int, dict[int, float]] = {}

    @property
    def fitted(self) -> bool:
        return bool(self.B.shape[0] > 0)

    def fit(self, interactions: Sequence[Interaction], max_items: int = 4000) -> CFModel:
        hist: dict[int, dict[int, float]] = {}
        for it in interactions:
            row = hist.setdefault(it.learner, {})
            row[it.mentor] = min(1.0, row.get(it.mentor, 0.0) + it.weight)
        self.history = hist
        counts: dict[int, int] = {}
        for row in hist.values():
            for m in row:
                counts[m] = counts.get(m, 0) + 1
        # The most chosen mentors carry the item-item model; the rest are content's job.
        items = sorted(counts, key=lambda m: (-counts[m], m))[:max_items]
        self.items = np.asarray(sorted(items), dtype=np.int64)
        self.item_pos = {int(m): i for i, m in enumerate(self.items)}
        n = len(self.items)
        if n == 0:
            self.B = np.zeros((0, 0), dtype=np.float32)
            self.parts = []
            return self
        X = self._matrix(hist)
        self.parts = item_models(X, self.kind, self.l2, self.neighbours)
        self.B = self.parts[0][1]
        return self

    def _matrix(self, hist: dict[int, dict[int, float]]) -> sp.csr_matrix:
        rows, cols, vals = [], [], []
        for r, row in enumerate(hist.values()):
            for m, w in row.items():
                c = self.item_pos.get(m)
                if c is not None:
                    rows.append(r)
                    cols.append(c)
                    vals.append(w)
        return sp.csr_matrix(
            (np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(hist), len(self.items))
        )

    def learner_vector(self, history: dict[int, float]) -> F32:
        x = np.zeros(len(self.items), dtype=np.float32)
        for m, w in history.items():
            c = self.item_pos.get(m)
            if c is not None:
                x[c] = w
        return x

    def scores(self, learner: int) -> tuple[npt.NDArray[np.int64], F32]:
        """(mentor ids, scores in [0, 1]) for a learner; empty for one with no history."""
        hist = self.history.get(learner)
        if not hist or not self.fitted:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        x = self.learner_vector(hist)
        raw = np.zeros(len(self.items), dtype=np.float32)
        for w, B in self.parts:
            part = x @ B
            top = float(part.max()) if part.size else 0.0
            if top > 0:
                raw += w * part / top
        top = float(raw.max()) if raw.size else 0.0
        if top <= 0:
            return self.items, np.zeros(len(self.items), dtype=np.float32)
        return self.items, np.clip(raw / top, 0.0, 1.0).astype(np.float32)

    def add(self, learner: int, mentor: int, weight: float) -> None:
        """Fold new evidence into a learner's history now; the item model waits for retrain."""
        row = self.history.setdefault(learner, {})
        row[mentor] = min(1.0, row.get(mentor, 0.0) + weight)


# Chosen on MovieLens-100k (docs/matching.md): EASE, plus PureSVD and RP3beta for a little more.
ENSEMBLE = (("ease", 1.0), ("puresvd", 0.2), ("rp3beta", 0.5))


def item_models(
    X: sp.csr_matrix, kind: str, l2: float = 400.0, k: int = 50
) -> list[tuple[float, F32]]:
    """(weight, B) parts; a learner's scores are the weighted sum of max-normalised x @ B."""
    if kind == "ensemble":
        return [
            (w, fit_item_model(X, part, l2, 30 if part == "puresvd" else k))
            for part, w in ENSEMBLE
            if part != "puresvd" or X.shape[1] >= 3  # an SVD needs a few mentors
        ]
    return [(1.0, fit_item_model(X, kind, l2, k))]


def fit_item_model(X: sp.csr_matrix, kind: str, l2: float = 400.0, k: int = 50) -> F32:
    """An item × item weight matrix B so that scores = x_user @ B."""
    n = X.shape[1]
    G = (X.T @ X).toarray().astype(np.float64)
    if kind == "ease":
        G[np.diag_indices(n)] += l2
        P = np.linalg.inv(G)
        B = P / (-np.diag(P))
        B[np.diag_indices(n)] = 0.0
        return np.asarray(B, dtype=np.float32)
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
