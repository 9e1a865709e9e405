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

from bots.limits import STALE_S, LocalLimits
from bots.telegram.flood import Pacer, Timer
from core.ratelimit import LocalLimits as LocalSenderLimits

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


# A learned bucket (Discord): a hash {limit, used, reset (ms, Redis's clock), window (ms)}.
# KEYS: the bucket. Returns 0 (go: the call is counted) or the ms until the bucket resets.
_TAKE = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local b = redis.call('HMGET', KEYS[1], 'limit', 'used', 'reset', 'window')
if not b[1] then return 0 end
local limit, used = tonumber(b[1]), tonumber(b[2])
local reset, window = tonumber(b[3]), tonumber(b[4])
if reset <= now then
  redis.call('HSET', KEYS[1], 'used', 1, 'reset', now + window)
  redis.call('PEXPIRE', KEYS[1], window + 60000)
  return 0
end
if used < limit then
  redis.call('HINCRBY', KEYS[1], 'used', 1)
  return 0
end
return reset - now
"""

# What an answer said. KEYS: the bucket. ARGV: limit, remaining, reset-after ms, stale ms.
_LEARN = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local used = limit - tonumber(ARGV[2])
local reset = now + tonumber(ARGV[3])
local window = tonumber(ARGV[3])
local b = redis.call('HMGET', KEYS[1], 'used', 'reset', 'window')
if b[2] then
  local old_reset = tonumber(b[2])
  if reset < old_reset - tonumber(ARGV[4]) then return 0 end
  if old_reset > now and tonumber(b[1]) > used then used = tonumber(b[1]) end
  if tonumber(b[3]) > window then window = tonumber(b[3]) end
end
redis.call('HSET', KEYS[1], 'limit', limit, 'used', used, 'reset', reset, 'window', window)
redis.call('PEXPIRE', KEYS[1], window + 60000)
return used
"""

ROUTE_TTL_S = 24 * 3600  # a route's bucket id is re-learned from the next answer anyway


class RedisLimits:
    """bots.limits.RateStore kept in Redis for every worker (Slack's method tiers, Discord's
    buckets and global limit). Redis unreachable: this worker keeps the limits alone
    (bots.limits.LocalLimits) for a while, then asks Redis again."""

    def __init__(self, redis: Redis, prefix: str, what: str = "rate limits") -> None:
        self.redis = redis
        self.prefix = prefix
        self.what = what
        self.local = LocalLimits()
        self._warned_at = 0.0
        self._down_until = 0.0

    def _k(self, key: str) -> str:
        return f"{self.prefix}:{key}"

    def _up(self) -> bool:
        return time.monotonic() >= self._down_until

    def _degraded(self, exc: Exception) -> None:
        now = time.monotonic()
        self._down_until = now + REDIS_RETRY_S
        if now - self._warned_at > 60:
            self._warned_at = now
            log.warning(
                "%s: Redis unreachable (%s); this worker keeps them alone",
                self.what,
                exc.__class__.__name__,
            )

    async def reserve(self, key: str, interval_s: float, burst: int, pause_key: str = "") -> float:
        if self._up():
            try:
                pause = self._k(pause_key) if pause_key else ""
                ms = await self.redis.eval(
                    _RESERVE, 2, self._k(key), pause, round(interval_s * 1000), burst
                )
                return max(0.0, int(ms) / 1000)
            except Exception as exc:
                self._degraded(exc)
        return await self.local.reserve(key, interval_s, burst, pause_key)

    async def pause(self, pause_key: str, seconds: float) -> None:
        await self.local.pause(pause_key, seconds)
        if self._up():
            try:
                await self.redis.eval(_PAUSE, 1, self._k(pause_key), round(seconds * 1000))
            except Exception as exc:
                self._degraded(exc)

    async def take(self, bucket: str) -> float:
        if self._up():
            try:
                ms = await self.redis.eval(_TAKE, 1, self._k(f"bucket:{bucket}"))
                return max(0.0, int(ms) / 1000)
            except Exception as exc:
                self._degraded(exc)
        return await self.local.take(bucket)

    async def learn(self, bucket: str, limit: int, remaining: int, reset_after_s: float) -> None:
        await self.local.learn(bucket, limit, remaining, reset_after_s)
        if self._up():
            try:
                await self.redis.eval(
                    _LEARN,
                    1,
                    self._k(f"bucket:{bucket}"),
                    limit,
                    remaining,
                    round(reset_after_s * 1000),
                    round(STALE_S * 1000),
                )
            except Exception as exc:
                self._degraded(exc)

    async def bucket_of(self, route: str) -> str | None:
        if self._up():
            try:
                got = await self.redis.get(self._k(f"route:{route}"))
                return got.decode() if isinstance(got, bytes) else got
            except Exception as exc:
                self._degraded(exc)
        return await self.local.bucket_of(route)

    async def map_route(self, route: str, bucket: str) -> None:
        await self.local.map_route(route, bucket)
        if self._up():
            try:
                await self.redis.set(self._k(f"route:{route}"), bucket, ex=ROUTE_TTL_S)
            except Exception as exc:
                self._degraded(exc)


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
        self.local = LocalSenderLimits()
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
