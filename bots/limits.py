"""Where the platforms' send limits are kept: one process's memory, or (several workers)
Redis behind the same interface (mentorbot/shared_limits.py, RedisLimits).

Two kinds of limit, both keyed by a string the adapter builds:

- a known rate (Slack's method tiers, a Discord bot's global 50 a second): GCRA — each call
  reserves its moment (`reserve`), so concurrent callers queue behind each other instead of
  all seeing "free" at once; a pause key (set by a 429's Retry-After) moves every
  reservation past the pause;
- a limit the platform tells us as it goes (Discord's per-route buckets, learned from the
  X-RateLimit-* headers of each answer): `learn` stores the bucket's size, the calls used
  and when it resets, `take` counts one more call or says how long until the reset. Calls
  are counted when they are taken, before they are sent, and an answer only ever raises the
  count (`used = max(ours, limit - remaining)`): an answer made before another worker's
  call was sent must not give that call's slot away again.

Every method answers "seconds to wait"; the caller sleeps (and, for `take`, asks again).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Protocol

STALE_S = 0.25  # an answer whose reset is earlier than ours by more: from a past window


class RateStore(Protocol):
    async def reserve(self, key: str, interval_s: float, burst: int, pause_key: str = "") -> float:
        """Reserve the next moment for `key` (a call every interval_s, `burst` at once);
        seconds until it."""
        ...

    async def pause(self, pause_key: str, seconds: float) -> None:
        """Nothing under this pause key goes for `seconds` (a 429's Retry-After)."""
        ...

    async def take(self, bucket: str) -> float:
        """Spend one call of a learned bucket: 0 if it may go now, else seconds until its reset
        (nothing spent: ask again then). An unknown or reset bucket lets the call go."""
        ...

    async def learn(self, bucket: str, limit: int, remaining: int, reset_after_s: float) -> None:
        """What an answer's headers said about the bucket (X-RateLimit-Limit, -Remaining,
        -Reset-After)."""
        ...

    async def bucket_of(self, route: str) -> str | None:
        """The bucket a route was last seen in (Discord names it in X-RateLimit-Bucket)."""
        ...

    async def map_route(self, route: str, bucket: str) -> None: ...


class LocalLimits:
    """RateStore in this process's memory (one worker, or Redis unreachable)."""

    MAX_KEYS = 50_000  # expired entries are dropped past this many

    def __init__(self, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.now = monotonic
        self._tat: dict[str, float] = {}
        self._paused: dict[str, float] = {}
        self._buckets: dict[str, tuple[int, int, float, float]] = {}  # limit, used, resets, window
        self._routes: dict[str, str] = {}

    def _prune(self) -> None:
        if len(self._tat) + len(self._buckets) + len(self._paused) < self.MAX_KEYS:
            return
        now = self.now()
        self._tat = {k: v for k, v in self._tat.items() if v > now}
        self._paused = {k: v for k, v in self._paused.items() if v > now}
        self._buckets = {k: v for k, v in self._buckets.items() if v[2] > now}

    async def reserve(self, key: str, interval_s: float, burst: int, pause_key: str = "") -> float:
        self._prune()
        now = self.now()
        at = max(now, self._paused.get(pause_key, 0.0)) if pause_key else now
        tat = max(self._tat.get(key, 0.0), at)
        allowed = max(tat - (burst - 1) * interval_s, at)
        self._tat[key] = tat + interval_s
        return allowed - now

    async def pause(self, pause_key: str, seconds: float) -> None:
        until = self.now() + seconds
        self._paused[pause_key] = max(self._paused.get(pause_key, 0.0), until)

    async def take(self, bucket: str) -> float:
        now = self.now()
        got = self._buckets.get(bucket)
        if got is None:
            return 0.0
        limit, used, resets, window = got
        if resets <= now:  # a new window begins with this call (learned better from its answer)
            self._buckets[bucket] = (limit, 1, now + window, window)
            return 0.0
        if used < limit:
            self._buckets[bucket] = (limit, used + 1, resets, window)
            return 0.0
        return resets - now

    async def learn(self, bucket: str, limit: int, remaining: int, reset_after_s: float) -> None:
        self._prune()
        now = self.now()
        resets = now + reset_after_s
        old = self._buckets.get(bucket)
        used = limit - remaining
        window = reset_after_s
        if old is not None:
            _limit, old_used, old_resets, old_window = old
            if resets < old_resets - STALE_S:
                return  # an answer from a window already over
            if old_resets > now:  # calls taken since this answer was made count too
                used = max(used, old_used)
            window = max(window, old_window)
        self._buckets[bucket] = (limit, used, resets, window)

    async def bucket_of(self, route: str) -> str | None:
        return self._routes.get(route)

    async def map_route(self, route: str, bucket: str) -> None:
        if len(self._routes) > self.MAX_KEYS:
            self._routes.clear()
        self._routes[route] = bucket
