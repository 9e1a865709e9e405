"""The token bucket behind every "slow down"."""

from __future__ import annotations

from core.ratelimit import Bucket


def test_a_burst_then_the_rate() -> None:
    b = Bucket(rate=2.0, burst=3, at=0.0)
    assert [b.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert not b.full(0.0)
    assert b.take(0.5)  # one token back after half a second at 2/s
    assert not b.take(0.5)
    assert b.full(10.0) and b.tokens == 3.0  # never more than the burst
