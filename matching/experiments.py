"""A/B experiments: deterministic variant assignment and the funnel comparison per variant."""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.matching import MatchEvent
from core.intervals import wilson

__all__ = ["Experiment", "VariantStats", "ab_report", "diff_ci", "variant_stats", "wilson"]


@dataclass(frozen=True)
class Experiment:
    name: str = "ranker-1"
    variants: tuple[str, ...] = ("hybrid", "content")
    treatment_share: float = 0.5  # share of learners on variants[1]

    def variant_of(self, learner_id: int) -> str:
        """Same learner, same experiment → same variant, on every worker and after restarts."""
        h = hashlib.sha256(f"{self.name}:{learner_id}".encode()).digest()
        u = int.from_bytes(h[:8], "big") / 2**64
        if len(self.variants) == 1:
            return self.variants[0]
        return self.variants[1] if u < self.treatment_share else self.variants[0]


def diff_ci(s1: int, n1: int, s2: int, n2: int, z: float = 1.96) -> tuple[float, float, float]:
    """Difference of proportions (2 minus 1) with a normal-approximation interval."""
    if n1 == 0 or n2 == 0:
        return 0.0, 0.0, 0.0
    p1, p2 = s1 / n1, s2 / n2
    se = math.sqrt(p1 * (1 - p1) / n1 + p2 * (1 - p2) / n2)
    d = p2 - p1
    return d, d - z * se, d + z * se


@dataclass(frozen=True)
class VariantStats:
    variant: str
    learners: int
    counts: dict[str, int]  # kind -> events
    learners_with: dict[str, int]  # kind -> distinct learners with at least one


STEPS = ("impression", "click", "request", "completion", "rating")


async def variant_stats(session: AsyncSession) -> list[VariantStats]:
    rows = await session.execute(
        select(
            MatchEvent.variant,
            MatchEvent.kind,
            func.count(),
            func.count(distinct(MatchEvent.learner_id)),
        ).group_by(MatchEvent.variant, MatchEvent.kind)
    )
    learners = {
        str(v): int(n)
        for v, n in await session.execute(
            select(MatchEvent.variant, func.count(distinct(MatchEvent.learner_id))).group_by(
                MatchEvent.variant
            )
        )
    }
    out: dict[str, VariantStats] = {}
    for variant, kind, n, nl in rows:
        vs = out.setdefault(variant, VariantStats(variant, int(learners.get(variant, 0)), {}, {}))
        vs.counts[kind] = int(n)
        vs.learners_with[kind] = int(nl)
    return sorted(out.values(), key=lambda v: v.variant)


def ab_report(stats: list[VariantStats]) -> str:
    """Funnel per variant (rates per impression with 95% Wilson intervals) and the difference
    of the second variant from the first."""
    if not stats:
        return "No experiment events logged yet."
    lines = []
    for vs in stats:
        imp = vs.counts.get("impression", 0)
        lines.append(f"variant {vs.variant}: {vs.learners} learners, {imp} impressions")
        for step in STEPS[1:]:
            n = vs.counts.get(step, 0)
            lo, hi = wilson(n, imp)
            rate = n / imp if imp else 0.0
            lines.append(
                f"  {step:<10} {n:>6}  {rate:7.2%} per impression  (95% CI {lo:.2%} – {hi:.2%})"
            )
    if len(stats) >= 2:
        a, b = stats[0], stats[1]
        ia, ib = a.counts.get("impression", 0), b.counts.get("impression", 0)
        lines.append(f"{b.variant} vs {a.variant} (difference per impression, 95% CI):")
        for step in STEPS[1:]:
            d, lo, hi = diff_ci(a.counts.get(step, 0), ia, b.counts.get(step, 0), ib)
            verdict = "significant" if lo > 0 or hi < 0 else "not significant"
            lines.append(f"  {step:<10} {d:+.2%}  ({lo:+.2%} – {hi:+.2%})  {verdict}")
    return "\n".join(lines)
