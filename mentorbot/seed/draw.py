"""Random draws shared by the seed's generators; all take the seed's own `random.Random`."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import TypeVar

T = TypeVar("T")


def weighted(rng: random.Random, pairs: Sequence[tuple[T, float]]) -> T:
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def distinct(rng: random.Random, items: Sequence[T], weights: Sequence[float], k: int) -> list[T]:
    """Weighted sample of up to k distinct items."""
    pool, ws = list(items), list(weights)
    out: list[T] = []
    while pool and len(out) < k:
        i = rng.choices(range(len(pool)), weights=ws)[0]
        out.append(pool.pop(i))
        ws.pop(i)
    return out


def ago(rng: random.Random, now: datetime, lo_days: float, hi_days: float) -> datetime:
    return (now - timedelta(seconds=rng.uniform(lo_days, hi_days) * 86400)).replace(microsecond=0)
