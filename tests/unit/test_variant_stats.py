"""The ranking experiment's variants in `/admin stats` (issue 17): booking conversion per
variant (learners shown ranked results who then asked for a session) with 95% Wilson
intervals, as a chart and a summary line whose numbers match the seeded events; the interval
math against published values."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image as PILImage
from scipy.stats import binomtest

from core.app import CoreApp
from core.clock import ManualClock
from core.db.matching import MatchEvent
from core.intervals import wilson
from core.markup import to_plain
from tests.admin_support import person
from tests.support import ChatDriver

# Newcombe (1998), "Two-sided confidence intervals for the single proportion", Statistics in
# Medicine 17: 857–872, Table II, method 3 (the Wilson score interval without correction).
NEWCOMBE = {
    (81, 263): (0.2553, 0.3662),
    (15, 148): (0.0624, 0.1605),
    (0, 20): (0.0, 0.1611),
    (1, 29): (0.0061, 0.1718),
}


def test_wilson_interval_matches_published_values() -> None:
    for (k, n), (lo, hi) in NEWCOMBE.items():
        got = wilson(k, n)
        assert got == pytest.approx((lo, hi), abs=5e-5), (k, n)


def test_wilson_interval_matches_scipy() -> None:
    for n in (1, 2, 5, 17, 100, 1000):
        for k in sorted({0, 1, n // 3, n // 2, n - 1, n}):
            ci = binomtest(k, n).proportion_ci(confidence_level=0.95, method="wilson")
            assert wilson(k, n) == pytest.approx((ci.low, ci.high), abs=1e-9), (k, n)


def test_wilson_edges() -> None:
    assert wilson(0, 0) == (0.0, 0.0)
    lo, hi = wilson(10, 10)
    assert hi == 1.0 and lo == pytest.approx(0.7225, abs=5e-5)  # never empty at n of n
    with pytest.raises(ValueError):
        wilson(3, 2)


async def test_variant_chart_and_line_match_the_events(core: CoreApp, clock: ManualClock) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say("/menu")
    now = clock.now()
    mentor = await person(core, "meera")
    learners = [await person(core, f"learner{i}") for i in range(19)]
    events: list[tuple[int, str, str, timedelta]] = []
    day = timedelta(days=1)
    for i, lid in enumerate(learners[:10]):  # hybrid: 10 shown, 3 asked
        events.append((lid, "hybrid", "impression", day))
        if i < 3:
            events.append((lid, "hybrid", "request", day / 2))
    events.append((learners[0], "hybrid", "impression", 2 * day))  # a second search: one trial
    events.append((learners[0], "hybrid", "request", day / 4))  # a second request: one success
    for i, lid in enumerate(learners[10:18]):  # content: 8 shown, 1 asked
        events.append((lid, "content", "impression", day))
        if i == 0:
            events.append((lid, "content", "request", day / 2))
    # Not counted: a request with no impression, and a learner shown results a month ago.
    events.append((learners[18], "content", "request", day))
    events.append((learners[18], "hybrid", "impression", 30 * day))
    async with core.db.transaction() as s:
        s.add_all(
            MatchEvent(learner_id=lid, mentor_id=mentor, variant=v, kind=k, created_at=now - ago)
            for lid, v, k, ago in events
        )
    replies = await admin.say("/admin stats week")
    assert len(replies) == 8
    last = replies[-1]
    # hybrid 3/10: Wilson 10.8%–60.3%; content 1/8: 2.2%–47.1%
    assert to_plain(last.text) == (
        "Ranking experiment, learners shown results who asked for a session (95% interval): "
        "content 1/8 12% (2–47%); hybrid 3/10 30% (11–60%)"
    )
    assert last.image is not None and "hybrid 3/10" in last.image.alt
    with PILImage.open(io.BytesIO(last.image.png)) as img:
        assert img.format == "PNG" and img.size == (960, 640)
    # A quarter also counts the learner shown results a month ago (who asked nothing).
    quarter = await admin.say("/admin stats quarter")
    assert "hybrid 3/11 27%" in to_plain(quarter[-1].text)
