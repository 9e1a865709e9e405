"""One "worker" of the shared rate limit tests, in its own process: the platform's real
client library (slack_sdk's AsyncWebClient, discord.py's HTTPClient) with MentorBot's limits
kept in Redis (or, with no Redis URL, in this process), against the test's local fake.

    python -m tests.e2e.limits_client slack|discord API_URL REDIS_URL PREFIX CALLS

Prints "ready" once imported and connected; each line "go" on stdin then makes CALLS calls
one after another and prints "done OK FAILED". An empty line or EOF ends it.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

from bots.limits import LocalLimits, RateStore
from mentorbot.shared_limits import RedisLimits

SLACK_TOKEN = "xoxb-limits-test"
DISCORD_TOKEN = "fake-discord-token"
# The fake's channel (tests/adapters/discord/fake_discord.py CHANNEL_ID).
DISCORD_CHANNEL = 800000000000000002
# Slack: conversations.info kept at 85 a minute, one at a time (the test's fake allows 5 in
# any 3 s); users.info gets a 429 from the fake.
SLACK_PER_MIN = 85.0


async def slack(api: str, store: RateStore, prefix: str) -> Any:
    from bots.slack.limits import PacedWebClient, SharedRateLimitRetryHandler, SlackLimits

    limits = SlackLimits(
        store, prefix, tiers={9: SLACK_PER_MIN}, method_tier={"conversations.info": 9}, burst=1
    )
    client = PacedWebClient(token=SLACK_TOKEN, base_url=api.rstrip("/") + "/", limits=limits)
    client.retry_handlers.append(SharedRateLimitRetryHandler(limits, max_retry_count=3))

    async def call(i: int) -> bool:
        method = sys.argv[6] if len(sys.argv) > 6 else "conversations.info"
        if method == "users.info":
            resp = await client.users_info(user=f"U{i}")
        else:
            resp = await client.conversations_info(channel="C1")
        return bool(resp["ok"])

    return call, None


async def discord(api: str, store: RateStore, prefix: str) -> Any:
    import aiohttp
    from discord.http import HTTPClient, Route

    from bots.discord.limits import DiscordLimits

    Route.BASE = api.rstrip("/")
    limits = DiscordLimits(store, prefix)
    http = HTTPClient(
        asyncio.get_running_loop(),
        http_trace=limits.attach(aiohttp.TraceConfig()),
        max_ratelimit_timeout=30.0,
    )
    await http.static_login(DISCORD_TOKEN)

    async def call(i: int) -> bool:
        route = Route("POST", "/channels/{channel_id}/messages", channel_id=DISCORD_CHANNEL)
        await http.request(route, json={"content": f"{prefix} {i}"})
        return True

    return call, http


async def main() -> None:
    kind, api, redis_url, prefix, calls = sys.argv[1:6]
    redis = None
    store: RateStore = LocalLimits()
    if redis_url:
        from redis.asyncio import Redis

        redis = Redis.from_url(redis_url)
        store = RedisLimits(redis, prefix, f"{kind} limits")
    call, closing = await (slack if kind == "slack" else discord)(api, store, prefix)
    print("ready", flush=True)
    reader = asyncio.StreamReader()
    loop = asyncio.get_running_loop()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    try:
        while (await reader.readline()).strip() == b"go":
            ok = failed = 0
            for i in range(int(calls)):
                try:
                    ok += bool(await call(i))
                except Exception as exc:
                    failed += 1
                    print(f"failed: {exc!r}", flush=True)
            print(f"done {ok} {failed}", flush=True)
    finally:
        if closing is not None:
            await closing.close()
        if redis is not None:
            await redis.aclose()


if __name__ == "__main__":
    asyncio.run(main())
