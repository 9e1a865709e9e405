"""Discord's REST rate limits, kept before each request (discord.com/developers/docs/topics/
rate-limits), by every worker together when the store is Redis.

Discord doesn't publish its per-route limits: each answer names the route's bucket
(X-RateLimit-Bucket) and says its size, what remains and when it resets (X-RateLimit-Limit,
-Remaining, -Reset-After). A bucket is per major parameter (the channel, the guild, the
webhook or interaction), so the limit kept is (bucket, major parameter). On top, a bot may
make 50 requests a second in all (the global limit). A 429 says how long to wait
(Retry-After, `retry_after` in the body); a global one (X-RateLimit-Global) stops every
request of the bot, a route's stops that bucket. All of this is read from the answers
discord.py gets, through an aiohttp trace on its session (the same one the invalid-request
count uses), and waited for before each request: discord.py's own per-process bucket logic
still runs after ours and only ever sees a bucket that has room.
"""

from __future__ import annotations

import asyncio
import logging
import re
from types import SimpleNamespace

import aiohttp
import discord
from multidict import CIMultiDictProxy

from bots.limits import RateStore

log = logging.getLogger(__name__)

GLOBAL_PER_S = 50.0
MAX_WAIT_S = 30.0  # bots/discord/bot.py MAX_RATELIMIT_WAIT_S: longer waits are raised
MAX_WAITS = 20  # a bucket is asked again after each reset; bounded
_API = re.compile(r"^/api(?:/v\d+)?/(.*)$")
_SNOWFLAKE = re.compile(r"^\d{5,}$")
MAJOR = ("channels", "guilds", "webhooks", "interactions")


def route_of(method: str, path: str) -> tuple[str, str] | None:
    """`("POST channels/{id}/messages", "channels/123")` for a REST path; None for anything
    else (the gateway, attachments)."""
    m = _API.match(path)
    if m is None:
        return None
    parts = [p for p in m.group(1).split("/") if p]
    major = ""
    template: list[str] = []
    i = 0
    while i < len(parts):
        part = parts[i]
        if not major and part in MAJOR and i + 1 < len(parts):
            n = 2
            # A webhook's or interaction's token is part of its major parameter.
            if part in ("webhooks", "interactions") and i + 2 < len(parts):
                n = 3
            major = "/".join(parts[i : i + n])
            template.append(part + "/{major}")
            i += n
            continue
        template.append("{id}" if _SNOWFLAKE.match(part) else part)
        i += 1
    return f"{method.upper()} {'/'.join(template)}", major


def _float(headers: CIMultiDictProxy[str], name: str) -> float | None:
    try:
        value = headers.get(name)
        return None if value is None else float(value)
    except ValueError:
        return None


class DiscordLimits:
    def __init__(
        self,
        store: RateStore,
        prefix: str = "discord",
        global_per_s: float = GLOBAL_PER_S,
        max_wait_s: float = MAX_WAIT_S,
    ) -> None:
        self.store = store
        self.max_wait_s = max_wait_s
        self.prefix = prefix
        self.interval_s = 1.0 / global_per_s
        self.burst = max(1, int(global_per_s))
        self.global_pause = f"{prefix}:global:pause"

    def _bucket(self, bucket: str, major: str) -> str:
        return f"{self.prefix}:{bucket}:{major}"

    async def before(self, method: str, path: str) -> None:
        route = route_of(method, path)
        if route is None:
            return
        name, major = route
        for _ in range(MAX_WAITS):
            bucket = await self.store.bucket_of(f"{self.prefix}:{name}")
            if bucket is None:
                break
            wait = await self.store.take(self._bucket(bucket, major))
            if wait <= 0:
                break
            await self._sleep(wait)
        delay = await self.store.reserve(
            f"{self.prefix}:global", self.interval_s, self.burst, self.global_pause
        )
        if delay > 0:
            await self._sleep(delay)

    async def _sleep(self, seconds: float) -> None:
        """Like discord.py's own `max_ratelimit_timeout`: a longer wait is not held here but
        raised as RateLimited, so the relay queue and the outbox try again later."""
        if seconds > self.max_wait_s:
            raise discord.RateLimited(seconds)
        await asyncio.sleep(seconds)

    async def after(
        self, method: str, path: str, status: int, headers: CIMultiDictProxy[str]
    ) -> None:
        route = route_of(method, path)
        if route is None:
            return
        name, major = route
        retry = _float(headers, "Retry-After")
        if status == 429 and headers.get("X-RateLimit-Global", "").lower() == "true":
            log.warning("discord: global rate limit hit; every worker waits %.1f s", retry or 1)
            await self.store.pause(self.global_pause, retry or 1.0)
            return
        bucket = headers.get("X-RateLimit-Bucket")
        limit = _float(headers, "X-RateLimit-Limit")
        remaining = _float(headers, "X-RateLimit-Remaining")
        reset_after = _float(headers, "X-RateLimit-Reset-After")
        if status == 429:
            log.info("discord: %s rate limited for %.1f s", name, retry or reset_after or 1)
            if bucket is None:
                # No bucket named: nothing to share; discord.py waits it out or raises
                # RateLimited to its caller (the relay queue and the outbox retry later).
                return
            reset_after = max(reset_after or 0.0, retry or 0.0)
            remaining = 0
        if bucket is None or limit is None or remaining is None or reset_after is None:
            return
        await self.store.map_route(f"{self.prefix}:{name}", bucket)
        await self.store.learn(self._bucket(bucket, major), int(limit), int(remaining), reset_after)

    def attach(self, trace: aiohttp.TraceConfig) -> aiohttp.TraceConfig:
        """Wait before each request of the session and learn from each answer."""

        async def on_start(
            session: aiohttp.ClientSession,
            ctx: SimpleNamespace,
            params: aiohttp.TraceRequestStartParams,
        ) -> None:
            await self.before(params.method, params.url.path)

        async def on_end(
            session: aiohttp.ClientSession,
            ctx: SimpleNamespace,
            params: aiohttp.TraceRequestEndParams,
        ) -> None:
            r = params.response
            await self.after(params.method, params.url.path, r.status, r.headers)

        trace.on_request_start.append(on_start)
        trace.on_request_end.append(on_end)
        return trace
