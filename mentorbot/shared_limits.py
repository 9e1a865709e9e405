"""Telegram's send limits kept by all workers together (issue 21, part 5), in Redis.

Telegram allows a bot about one message a second per chat (a short burst is fine) and about
thirty a second overall. Each worker pacing itself would let N workers send N times that.
Here every send reserves its moment in Redis — GCRA, one "theoretical arrival time" per
chat and one for the bot, each read and moved in one Lua script on Redis's own clock, so
the workers' clocks don't matter — and waits until then: the chat's turn, then the bot's. A 429 for a chat pauses that chat for
every worker. When Redis can't be reached, the worker paces itself (the local Pacer): sends
go on, at one worker's share of the limit at worst times N.
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from bots.telegram.flood import Pacer, Timer
from core.ratelimit import LocalLimits

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

REDIS_RETRY_S = 5.0  # Redis failed: pace locally this long before asking it again

# GCRA reservation of one key. KEYS: the key's tat, a pause key (may be absent, "").
# ARGV: interval ms, burst. Returns the wait in ms (0: now). The slot is reserved: the caller
# sends at now + wait, so the next caller queues behind it.
_RESERVE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local at = now
if KEYS[2] ~= '' then
  local paused = tonumber(redis.call('GET', KEYS[2]) or '0')
  if paused > at then at = paused end
end
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < at then tat = at end
local allowed = tat - (burst - 1) * interval
if allowed < at then allowed = at end
local new = tat + interval
redis.call('SET', KEYS[1], new, 'PX', math.max(1, new - now + 1000))
return allowed - now
"""

_PAUSE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local until_ms = now + tonumber(ARGV[1])
local old = tonumber(redis.call('GET', KEYS[1]) or '0')
if until_ms > old then
  redis.call('SET', KEYS[1], until_ms, 'PX', tonumber(ARGV[1]) + 1000)
end
return until_ms - now
"""


class RedisPacer:
    """bots.telegram.flood.SendPacer for several workers (one bot token, one Redis)."""

    def __init__(
        self,
        redis: Redis,
        prefix: str,
        *,
        per_chat_rate: float = 1.0,
        per_chat_burst: int = 3,
        global_rate: float = 30.0,
        global_burst: int = 30,
        timer: Timer | None = None,
    ) -> None:
        self.redis = redis
        self.prefix = prefix
        self.timer = timer or Timer()
        self.args = (
            round(1000 / per_chat_rate),
            per_chat_burst,
            round(1000 / global_rate),
            global_burst,
        )
        self.local = Pacer(
            per_chat_rate=per_chat_rate,
            per_chat_burst=per_chat_burst,
            global_rate=global_rate,
            global_burst=global_burst,
            timer=self.timer,
        )
        self._warned_at = 0.0
        self._down_until = 0.0  # after a failure, Redis is not asked again for a while

    def _keys(self, chat_id: int) -> list[str]:
        return [
            f"{self.prefix}:chat:{chat_id}",
            f"{self.prefix}:bot",
            f"{self.prefix}:pause:{chat_id}",
        ]

    async def _reserve(self, key: str, pause: str, interval_ms: int, burst: int) -> float:
        ms = await self.redis.eval(_RESERVE, 2, key, pause, interval_ms, burst)
        return max(0.0, int(ms) / 1000)

    async def reserve(self, chat_id: int) -> float:
        """Seconds until this chat may be sent to (the moment is reserved for it)."""
        chat, _bot, pause = self._keys(chat_id)
        return await self._reserve(chat, pause, self.args[0], self.args[1])

    async def reserve_bot(self) -> float:
        """Seconds until the bot may send again, over all chats (reserved)."""
        return await self._reserve(self._keys(0)[1], "", self.args[2], self.args[3])

    async def wait(self, chat_id: int) -> None:
        if time.monotonic() < self._down_until:
            await self.local.wait(chat_id)
            return
        # The chat's turn first, then the bot's, each reserved when it is due: a chat that
        # must wait (or is paused) doesn't hold the bot's slots for everyone else meanwhile.
        try:
            delay = await self.reserve(chat_id)
            if delay > 0:
                await self.timer.sleep(delay)
            delay = await self.reserve_bot()
        except Exception as exc:
            self._degraded(exc)
            await self.local.wait(chat_id)
            return
        if delay > 0:
            await self.timer.sleep(delay)

    async def pause(self, chat_id: int, seconds: float) -> None:
        await self.local.pause(chat_id, seconds)
        try:
            await self.redis.eval(_PAUSE, 1, self._keys(chat_id)[2], round(seconds * 1000))
        except Exception as exc:
            self._degraded(exc)

    def _degraded(self, exc: Exception) -> None:
        now = time.monotonic()
        self._down_until = now + REDIS_RETRY_S
        if now - self._warned_at > 60:  # once a minute, not once a message
            self._warned_at = now
            log.warning(
                "Telegram pacing: Redis unreachable (%s); pacing this worker alone",
                exc.__class__.__name__,
            )


# A sender's token bucket as GCRA (KEYS: the key's tat; ARGV: interval ms, burst): 1 and the
# message counted when one more may go now, else 0 and nothing counted. Redis's clock.
_ALLOW = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local interval = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local tat = tonumber(redis.call('GET', KEYS[1]) or '0')
if tat < now then tat = now end
if tat - (burst - 1) * interval > now then return 0 end
local new = tat + interval
redis.call('SET', KEYS[1], new, 'PX', math.max(1, new - now + 1000))
return 1
"""


class RedisSenderLimits:
    """core.ports.SenderLimits kept by every worker together: one person writing through
    several workers (a web page here, a webhook there) gets one limit, not one per worker.
    When Redis can't be reached, each worker limits alone for a while (LocalLimits)."""

    def __init__(self, redis: Redis, prefix: str) -> None:
        self.redis = redis
        self.prefix = prefix
        self.local = LocalLimits()
        self._warned_at = 0.0
        self._down_until = 0.0

    async def allow(self, key: str, rate_per_s: float, burst: int, now: float) -> bool:
        if time.monotonic() < self._down_until:
            return await self.local.allow(key, rate_per_s, burst, now)
        interval_ms = max(1, round(1000 / rate_per_s))
        try:
            ok = await self.redis.eval(
                _ALLOW, 1, f"{self.prefix}:{key}", interval_ms, max(1, burst)
            )
        except Exception as exc:
            mono = time.monotonic()
            self._down_until = mono + REDIS_RETRY_S
            if mono - self._warned_at > 60:
                self._warned_at = mono
                log.warning(
                    "sender limits: Redis unreachable (%s); limiting this worker alone",
                    exc.__class__.__name__,
                )
            return await self.local.allow(key, rate_per_s, burst, now)
        return bool(int(ok))
