"""A token bucket: how fast one person or connection may send, so a burst gets "slow down"
instead of a queue that grows without bound. Pure; the caller passes the time."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Bucket:
    """`take` says whether one more message may go now."""

    rate: float  # tokens per second
    burst: int  # tokens at most (a full bucket)
    tokens: float = -1.0  # -1: start full
    at: float = field(default=0.0)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = float(self.burst)

    def take(self, now: float) -> bool:
        self._refill(now)
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def full(self, now: float) -> bool:
        """Refilled completely: forgetting it changes nothing."""
        self._refill(now)
        return self.tokens >= self.burst

    def _refill(self, now: float) -> None:
        self.tokens = min(float(self.burst), self.tokens + max(0.0, now - self.at) * self.rate)
        self.at = now


class LocalLimits:
    """core.ports.SenderLimits in this process: one bucket per key (a full one is forgotten
    now and then, so keys of people who stopped writing don't pile up)."""

    def __init__(self, max_keys: int = 10_000) -> None:
        self._buckets: dict[str, Bucket] = {}
        self.max_keys = max_keys

    async def allow(self, key: str, rate_per_s: float, burst: int, now: float) -> bool:
        if len(self._buckets) >= self.max_keys:
            self._buckets = {k: b for k, b in self._buckets.items() if not b.full(now)}
        b = self._buckets.setdefault(key, Bucket(rate_per_s, burst, at=now))
        return b.take(now)
