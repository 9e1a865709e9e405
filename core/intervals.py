"""Confidence intervals for proportions, shared by the ranking experiment's report
(matching.experiments) and `/admin stats` (core.booking.analytics)."""

from __future__ import annotations

import math

Z95 = 1.959963984540054  # the standard normal's 97.5% quantile: two-sided 95%


def wilson(successes: int, trials: int, z: float = Z95) -> tuple[float, float]:
    """Wilson score interval for a proportion: unlike p ± z·se it stays inside [0, 1] and is
    not empty at 0 or n successes, which matters for the small counts of a new experiment.
    (0, 0) when there were no trials."""
    if trials <= 0:
        return 0.0, 0.0
    if not 0 <= successes <= trials:
        raise ValueError(f"{successes} successes out of {trials} trials")
    p = successes / trials
    den = 1 + z * z / trials
    centre = (p + z * z / (2 * trials)) / den
    half = z * math.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / den
    # At 0 or n successes the bound is exactly 0 or 1; rounding would leave 1e-17 off.
    lo = 0.0 if successes == 0 else max(0.0, centre - half)
    hi = 1.0 if successes == trials else min(1.0, centre + half)
    return lo, hi
