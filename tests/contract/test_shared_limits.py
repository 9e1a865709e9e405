"""Telegram's limits kept by several workers together (issue 21, part 5): two RedisPacers on
one Redis are two workers; whatever each sends, the chat and the bot get their limits once."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bots.discord.limits import route_of
from bots.telegram.flood import Timer
from core.app import CoreApp
from core.db.schema import User
from core.messaging import Actor
from core.services.dms import DmError
from mentorbot.bootstrap import build_core
from mentorbot.settings import Settings
from mentorbot.shared_limits import RedisLimits, RedisPacer
from tests.dm_support import booked, person
from tests.e2e.processes import free_port

REDIS_URL = os.environ.get("MENTORBOT_TEST_REDIS_URL", "")


@pytest.fixture
async def redis() -> AsyncIterator[object]:
    if not REDIS_URL:
        pytest.skip("Redis: set MENTORBOT_TEST_REDIS_URL to run it")
    from redis.asyncio import Redis

    client = Redis.from_url(REDIS_URL)
    try:
        yield client
    finally:
        await client.aclose()


def two_workers(redis: object, **limits: float) -> tuple[RedisPacer, RedisPacer]:
    prefix = f"mentorbot:test:tg:{secrets.token_hex(4)}"
    return (
        RedisPacer(redis, prefix, **limits),  # type: ignore[arg-type]
        RedisPacer(redis, prefix, **limits),  # type: ignore[arg-type]
    )


async def test_one_chat_gets_its_burst_then_one_a_second_whichever_worker_sends(
    redis: object,
) -> None:
    a, b = two_workers(redis)
    waits = [await (a if i % 2 else b).reserve(42) for i in range(7)]
    # The first three go at once (the burst); each next one is reserved a second later.
    for got, want in zip(waits, [0, 0, 0, 1, 2, 3, 4], strict=True):
        assert want - 0.05 <= got <= want + 0.05, waits
    assert await a.reserve(43) <= 0.05  # another chat is not held up by chat 42


async def test_the_bot_wide_limit_holds_over_many_chats(redis: object) -> None:
    a, b = two_workers(redis, global_rate=2.0, global_burst=2)
    waits = [await (a if i % 2 else b).reserve_bot() for i in range(5)]
    for got, want in zip(waits, [0, 0, 0.5, 1.0, 1.5], strict=True):
        assert want - 0.05 <= got <= want + 0.05, waits


async def test_a_429_on_one_worker_pauses_that_chat_for_every_worker(redis: object) -> None:
    a, b = two_workers(redis)
    await a.pause(7, 2.0)
    assert 1.9 <= await b.reserve(7) <= 2.05
    assert await b.reserve(8) <= 0.05


async def test_without_redis_a_worker_paces_itself() -> None:
    from redis.asyncio import Redis

    slept: list[float] = []

    async def sleep(s: float) -> None:
        slept.append(s)

    now = [100.0]
    nowhere = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    pacer = RedisPacer(nowhere, "x", timer=Timer(monotonic=lambda: now[0], sleep=sleep))
    for _ in range(4):
        await pacer.wait(1)  # no exception: the local pacer takes over
    assert slept == [1.0]  # the fourth message of the burst waits a second
    await nowhere.aclose()


# ---- Slack's and Discord's limits (bots/limits.py RateStore; RedisLimits for workers) ----


def two_stores(redis: object) -> tuple[RedisLimits, RedisLimits]:
    prefix = f"mentorbot:test:limits:{secrets.token_hex(4)}"
    return RedisLimits(redis, prefix), RedisLimits(redis, prefix)  # type: ignore[arg-type]


async def test_a_learned_bucket_is_spent_by_both_workers_and_frees_at_its_reset(
    redis: object,
) -> None:
    a, b = two_stores(redis)
    assert await a.take("bucket") == 0  # unknown: the first call goes and teaches us
    await a.learn("bucket", 3, 2, 0.5)  # 3 a window, 1 used, resets in 0.5 s
    assert await b.take("bucket") == 0
    assert await a.take("bucket") == 0
    wait = await b.take("bucket")  # 3 used, whichever worker: the next waits for the reset
    assert 0.3 < wait <= 0.5
    # An answer made before those calls were sent (remaining 2) doesn't give slots back.
    await b.learn("bucket", 3, 2, 0.45)
    assert await a.take("bucket") > 0


async def test_a_stale_answer_from_a_past_window_is_ignored(redis: object) -> None:
    a, b = two_stores(redis)
    await a.learn("bucket", 5, 0, 2.0)
    await b.learn("bucket", 5, 4, 0.1)  # reset 1.9 s earlier: from the window before
    assert await a.take("bucket") > 1.5


async def test_a_pause_holds_every_reservation_of_its_key(redis: object) -> None:
    a, b = two_stores(redis)
    await a.pause("slack:ws:pause:users.info", 1.0)
    wait = await b.reserve("slack:ws:m:users.info", 0.6, 10, "slack:ws:pause:users.info")
    assert 0.9 <= wait <= 1.05
    assert await b.reserve("slack:ws:m:chat.update", 0.6, 10, "slack:ws:pause:chat.update") == 0


async def test_without_redis_the_limits_are_kept_in_the_worker() -> None:
    from redis.asyncio import Redis

    nowhere = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    store = RedisLimits(nowhere, "x")
    await store.learn("bucket", 1, 0, 5.0)  # no exception: kept locally
    assert await store.take("bucket") > 4
    assert await store.reserve("k", 1.0, 1) == 0
    assert 0.9 < await store.reserve("k", 1.0, 1) <= 1.0
    await nowhere.aclose()


def test_discord_routes_are_bucketed_by_their_major_parameter() -> None:
    assert route_of("post", "/api/v10/channels/800000000000000002/messages") == (
        "POST channels/{major}/messages",
        "channels/800000000000000002",
    )
    assert route_of("PATCH", "/api/v10/channels/800000000000000002/messages/123456789") == (
        "PATCH channels/{major}/messages/{id}",
        "channels/800000000000000002",
    )
    assert route_of("POST", "/api/v10/interactions/111111111/tok-en/callback") == (
        "POST interactions/{major}/callback",
        "interactions/111111111/tok-en",
    )
    assert route_of("GET", "/api/v10/users/@me") == ("GET users/@me", "")
    assert route_of("GET", "/gateway") is None


# ---- a person's direct-message rate, counted by every worker together (issue #16) ----


async def test_two_workers_share_one_senders_limit(redis: object, tmp_path: Path) -> None:
    """Two cores on one database (two workers), each with its own Redis connection: a person
    writing through both gets dm_burst messages in all, not dm_burst per worker; without
    Redis each worker counts alone."""
    from redis.asyncio import Redis

    from mentorbot.shared_limits import RedisSenderLimits

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/two.db",
        data_dir=tmp_path,
        dm_burst=4,
        dm_rate_per_min=1,
    )
    prefix = f"mentorbot:test:limits:{secrets.token_hex(4)}"
    clients = [Redis.from_url(REDIS_URL), Redis.from_url(REDIS_URL)]
    cores = [
        await build_core(settings, matching=False, sender_limits=RedisSenderLimits(c, prefix))
        for c in clients
    ]
    # Two more workers on the same database, each counting alone (no shared store).
    alone = [
        CoreApp.create(cores[0].db, cores[0].clock, policies=settings.policies()) for _ in "ab"
    ]
    try:
        asha_actor = Actor("web", "web", "w-asha", "Asha")
        asha = await person(cores[0], asha_actor)
        meera = await person(cores[0], Actor("web", "web", "w-meera", "Meera"), mentor=True)
        await booked(cores[0], asha, meera)
        async with cores[0].uow() as u:
            me = await u.session.get(User, asha)
            assert me is not None
            thread = (await u.dms.open(me, meera)).id

        async def sent(pair: list[CoreApp], tries: int) -> list[bool]:
            out = []
            for i in range(tries):
                try:
                    await pair[i % 2].dm_say_web(asha_actor, thread, f"message {i}")
                    out.append(True)
                except DmError as exc:
                    assert "Slow down" in str(exc)
                    out.append(False)
            return out

        shared = await sent(cores, 8)
        assert shared == [True] * 4 + [False] * 4  # 4 in all, whichever worker took them
        apart = await sent(alone, 10)
        assert apart.count(True) == 8  # 4 per worker when each counts alone
    finally:
        for core in cores:
            await core.db.dispose()
        for c in clients:
            await c.aclose()
