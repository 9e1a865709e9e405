"""Flood control: pace sends (about 1/s per chat, 30/s overall) and honour 429 retry_after.

Time comes from an injectable monotonic clock and sleeper, so tests can wait out a
retry_after of 2 s without spending it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from aiogram.exceptions import TelegramRetryAfter

log = logging.getLogger(__name__)

T = TypeVar("T")
MAX_RETRY_AFTER_S = 60.0  # a longer ban is better handled by the outbox sweep later


@dataclass
class Timer:
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep


@dataclass
class Bucket:
    """Token bucket that hands out reservations: take() says how long to wait, never loops."""

    rate: float
    burst: float
    tokens: float
    stamp: float

    def take(self, now: float) -> float:
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)
        self.tokens -= 1.0
        return 0.0 if self.tokens >= 0 else -self.tokens / self.rate

    def idle(self, now: float) -> bool:
        return self.tokens + max(0.0, now - self.stamp) * self.rate >= self.burst


class SendPacer(Protocol):
    """Paces sends; with several workers one shared pacer (mentorbot/shared_limits.py) keeps
    Telegram's limits for all of them together."""

    async def wait(self, chat_id: int) -> None: ...

    async def pause(self, chat_id: int, seconds: float) -> None:
        """Telegram answered 429 for this chat: nothing more goes to it for `seconds`."""


@dataclass
class Pacer:
    """Per-chat and global buckets. A short burst per chat (a step's 2-3 replies) goes out
    at once; a chat that keeps sending waits, and only that chat's sends wait."""

    per_chat_rate: float = 1.0
    per_chat_burst: float = 3.0
    global_rate: float = 30.0
    global_burst: float = 30.0
    timer: Timer = field(default_factory=Timer)
    enabled: bool = True
    _chats: dict[int, Bucket] = field(default_factory=dict)
    _global: Bucket | None = None
    _paused: dict[int, float] = field(default_factory=dict)  # chat -> monotonic time

    def _chat_bucket(self, chat_id: int, now: float) -> Bucket:
        b = self._chats.get(chat_id)
        if b is None:
            if len(self._chats) > 10_000:  # forget chats whose bucket has refilled
                for k in [k for k, v in self._chats.items() if v.idle(now)]:
                    del self._chats[k]
            b = Bucket(self.per_chat_rate, self.per_chat_burst, self.per_chat_burst, now)
            self._chats[chat_id] = b
        return b

    async def pause(self, chat_id: int, seconds: float) -> None:
        until = self.timer.monotonic() + seconds
        self._paused[chat_id] = max(until, self._paused.get(chat_id, 0.0))

    async def wait(self, chat_id: int) -> None:
        if not self.enabled:
            return
        now = self.timer.monotonic()
        until = self._paused.get(chat_id)
        if until is not None:
            if until > now:
                await self.timer.sleep(until - now)
                now = self.timer.monotonic()
            else:
                del self._paused[chat_id]
        delay = self._chat_bucket(chat_id, now).take(now)
        if delay > 0:
            await self.timer.sleep(delay)
            now = self.timer.monotonic()
        if self._global is None:
            self._global = Bucket(self.global_rate, self.global_burst, self.global_burst, now)
        delay = self._global.take(now)
        if delay > 0:
            await self.timer.sleep(delay)


async def with_retry_after(
    call: Callable[[], Awaitable[T]],
    timer: Timer,
    *,
    attempts: int = 3,
    on_retry_after: Callable[[float], Awaitable[None]] | None = None,
) -> T:
    """Run a Bot API call; on 429 wait the time Telegram asks for and try again.
    `on_retry_after` tells the pacer, so every send to that chat waits (every worker's, with
    a shared pacer), not only this one."""
    for attempt in range(1, attempts + 1):
        try:
            return await call()
        except TelegramRetryAfter as exc:
            if on_retry_after is not None:
                await on_retry_after(float(exc.retry_after))
            if attempt == attempts or exc.retry_after > MAX_RETRY_AFTER_S:
                raise
            log.warning("Telegram flood control: retrying in %s s", exc.retry_after)
            await timer.sleep(float(exc.retry_after))
    raise AssertionError("unreachable")  # the loop returns or raises
