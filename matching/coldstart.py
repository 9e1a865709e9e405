"""Mentors without history, scored on the collaborative model's scale from their content.

The CF model scores a learner's mentor j as x · B[:, j] (x: the learner's choices, B an
item-item model). A mentor nobody has chosen has an empty column. A ridge regression learns,
on the mentors that have history, a map W from content features f (skills and levels, the
profile's text embedding; genres and title words on MovieLens) to their columns:
B[:, j] ≈ Wᵀ f_j (as DropoutNet and LightFM map content into the CF space). A new mentor's
predicted column is Wᵀ f, so the learner's score is x · Wᵀ f = (W x) · f: the learner's
*taste* vector W x read against the mentor's features.

A regression's prediction is shrunk towards the mean, and expected values bury every new
mentor under the established ones (measured: with 15 % of MovieLens held out, a calibrated
expected score put none of them in a top ten). So the prediction is put on the CF scale by
rank: a new mentor whose predicted score is above that of q % of the mentors with history
gets the CF score at that learner's q-th percentile (`on_cf_scale`). A mentor with n
interactions blends their own score and the predicted one with weight n / (n + k)
(`history_weight`), so the switch from content to history is smooth.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]

HISTORY_K = 2.0  # a mentor's own CF column gets weight n / (n + HISTORY_K)
RIDGE_L2 = 1.0
TIE = 1e-4  # a predicted score stays this fraction below the CF score it maps to


def history_weight(counts: npt.ArrayLike, k: float = HISTORY_K) -> F64:
    """n / (n + k): 0 for a mentor nobody chose, → 1 as interactions accumulate."""
    n = np.asarray(counts, dtype=np.float64)
    return np.asarray(n / (n + k), dtype=np.float64)


def fit_content_map(
    F: npt.NDArray[np.floating], columns: Sequence[npt.NDArray[np.floating]],
    counts: npt.ArrayLike, l2: float = RIDGE_L2,
) -> list[F32]:  # fmt: skip
    """Per CF part, W (d × n) with B[:, j] ≈ Wᵀ F[j], fitted on the items chosen at least once.

    `F` is items × features (a constant column is added here); `columns` are the parts' B."""
    Fb = with_bias(np.asarray(F, dtype=np.float64))
    warm = np.asarray(counts) > 0
    Fw = Fb[warm]
    A = Fw.T @ Fw
    A[np.diag_indices_from(A)] += l2
    out: list[F32] = []
    for B in columns:
        Y = np.asarray(B, dtype=np.float64).T[warm]  # warm items' columns, one per row
        out.append(np.asarray(np.linalg.solve(A, Fw.T @ Y), dtype=np.float32))
    return out


def with_bias(F: npt.NDArray[np.floating]) -> F64:
    return np.hstack([np.asarray(F, dtype=np.float64), np.ones((F.shape[0], 1))])


def on_cf_scale(own: F64, predicted_ref: F64, predicted: F64) -> F64:
    """Predicted scores mapped onto a learner's CF scores by rank: `own` and `predicted_ref`
    are the CF and the predicted scores of the same reference mentors (with history, not
    chosen by this learner); a predicted score at the reference's q-th percentile gets the CF
    score at its q-th percentile."""
    if own.size == 0 or predicted.size == 0:
        return np.zeros(predicted.size, dtype=np.float64)
    xp = np.sort(predicted_ref)
    fp = np.sort(own)
    # On a tie the mentor with history goes first.
    return np.asarray(np.interp(predicted, xp, fp) * (1.0 - TIE), dtype=np.float64)


@dataclass(frozen=True)
class ContentMap:
    """What a fitted CF model needs to score mentors from their content."""

    W: list[F32]  # per CF part, features (+ bias) × modelled items
    F: F32  # the modelled items' features (+ bias)
    alpha: F64  # per modelled item, the weight of its own CF score

    @classmethod
    def fit(
        cls, F: npt.NDArray[np.floating], columns: Sequence[npt.NDArray[np.floating]],
        counts: npt.ArrayLike, k: float = HISTORY_K, l2: float = RIDGE_L2,
    ) -> ContentMap:  # fmt: skip
        return cls(
            fit_content_map(F, columns, counts, l2),
            np.asarray(with_bias(F), dtype=np.float32),
            history_weight(counts, k),
        )

    @property
    def dim(self) -> int:
        """Feature count, without the bias column."""
        return int(self.F.shape[1]) - 1

    def taste(self, x: F64, scales: Sequence[float]) -> F64:
        """The learner's taste over features: Σ parts scale_p · W_p x (scale_p is the part's
        weight over its per-learner maximum, as the CF score is formed)."""
        t = np.zeros(self.F.shape[1], dtype=np.float64)
        x32 = np.asarray(x, dtype=np.float32)
        for W, s in zip(self.W, scales, strict=True):
            if s:
                t += s * (W @ x32).astype(np.float64)
        return t


@dataclass(frozen=True)
class LearnerScores:
    """One learner's CF scores for the modelled mentors (own history blended with the content
    prediction) and the means to score any other mentor from its features."""

    items: npt.NDArray[np.int64]
    scores: F32
    taste: F64 | None = None
    ref_own: F64 | None = None
    ref_predicted: F64 | None = None

    def predict(self, features: npt.NDArray[np.floating]) -> F32:
        """CF-scale scores for mentors outside the model (rows of features, no bias)."""
        if self.taste is None or self.ref_own is None or self.ref_predicted is None:
            return np.zeros(features.shape[0], dtype=np.float32)
        raw = with_bias(features) @ self.taste
        return np.asarray(
            np.clip(on_cf_scale(self.ref_own, self.ref_predicted, raw), 0.0, 1.0), np.float32
        )


def blend_with_content(
    cm: ContentMap, x: F64, part_scores: Sequence[F64], weights: Sequence[float], seen: F64
) -> tuple[F64, F64, F64, F64]:
    """Combine a learner's CF parts (each divided by its maximum, weighted) with the content
    prediction. Returns (blended scores of the modelled items, taste, reference own scores,
    reference predicted scores); scores are not yet divided by their maximum."""
    scales = []
    own = np.zeros(cm.F.shape[0], dtype=np.float64)
    for w, s in zip(weights, part_scores, strict=True):
        top = float(s.max()) if s.size else 0.0
        scale = w / top if top > 0 else 0.0
        scales.append(scale)
        own += scale * s
    taste = cm.taste(x, scales)
    predicted = (cm.F @ taste.astype(np.float32)).astype(np.float64)
    ref = (cm.alpha > 0) & (seen <= 0)
    mapped = on_cf_scale(own[ref], predicted[ref], predicted)
    blended = cm.alpha * own + (1.0 - cm.alpha) * mapped
    return blended, taste, own[ref], predicted[ref]
