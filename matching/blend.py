"""The hybrid blend: default weights (cold start), admin overrides, and a learned blend fitted on
logged impressions that led to a click or a request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from matching.signals import SIGNALS

DEFAULT_WEIGHTS: dict[str, float] = {
    "skill": 0.30,
    "level": 0.10,
    "semantic": 0.16,
    "tfidf": 0.08,
    "cf": 0.14,
    "reputation": 0.12,
    "availability": 0.06,
    "language": 0.05,
    "price": 0.03,
}
DEFAULT_EXPLORATION = 0.04
DEFAULT_EXPOSURE = 0.10


@dataclass(frozen=True)
class Blend:
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    exploration: float = DEFAULT_EXPLORATION  # boost for mentors with few reviews
    exposure: float = DEFAULT_EXPOSURE  # penalty for mentors shown past their capacity
    source: str = "default"  # default | admin | learned

    def with_weights(self, changes: Mapping[str, float], source: str = "admin") -> Blend:
        unknown = set(changes) - set(SIGNALS) - {"exploration", "exposure"}
        if unknown:
            raise ValueError(f"unknown signal(s): {', '.join(sorted(unknown))}")
        for k, v in changes.items():
            if not 0.0 <= v <= 5.0:
                raise ValueError(f"weight for {k} must be between 0 and 5, not {v}")
        w = dict(self.weights)
        w.update({k: v for k, v in changes.items() if k in SIGNALS})
        return replace(
            self,
            weights=w,
            exploration=changes.get("exploration", self.exploration),
            exposure=changes.get("exposure", self.exposure),
            source=source,
        )

    def without(self, *signals: str) -> Blend:
        w = dict(self.weights)
        for s in signals:
            w[s] = 0.0
        return replace(self, weights=w)

    def to_json(self) -> dict[str, object]:
        return {
            "weights": dict(self.weights),
            "exploration": self.exploration,
            "exposure": self.exposure,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, raw: Mapping[str, object]) -> Blend:
        w = raw.get("weights")
        weights = dict(DEFAULT_WEIGHTS)
        if isinstance(w, dict):
            weights.update({str(k): float(v) for k, v in w.items() if k in SIGNALS})
        exp = raw.get("exploration", DEFAULT_EXPLORATION)
        expo = raw.get("exposure", DEFAULT_EXPOSURE)
        return cls(
            weights=weights,
            exploration=float(exp) if isinstance(exp, int | float) else DEFAULT_EXPLORATION,
            exposure=float(expo) if isinstance(expo, int | float) else DEFAULT_EXPOSURE,
            source=str(raw.get("source", "admin")),
        )


MIN_POSITIVES = 30


def learn_blend(
    features: Sequence[Mapping[str, float]], labels: Sequence[int], base: Blend
) -> Blend | None:
    """Logistic regression over the signals; None until there is enough feedback.

    Coefficients are clipped at zero (a signal may be ignored, never inverted) and scaled so
    the weights sum as the defaults do, keeping exploration and exposure on the same scale.
    """
    y = np.asarray(labels, dtype=np.int64)
    if len(y) < 2 * MIN_POSITIVES or y.sum() < MIN_POSITIVES or y.sum() == len(y):
        return None
    from sklearn.linear_model import LogisticRegression

    X = np.asarray([[float(f.get(s, 0.0)) for s in SIGNALS] for f in features], dtype=np.float64)
    model = LogisticRegression(C=1.0, max_iter=500, class_weight="balanced").fit(X, y)
    coef = np.clip(model.coef_.ravel(), 0.0, None)
    if coef.sum() <= 0:
        return None
    total = sum(DEFAULT_WEIGHTS.values())
    w = {s: round(float(c / coef.sum() * total), 4) for s, c in zip(SIGNALS, coef, strict=True)}
    return replace(base, weights=w, source="learned")
