"""Telegram's limits kept by several workers together (issue 21, part 5): two RedisPacers on
one Redis are two workers; whatever each sends, the chat and the bot get their limits once."""

from __future__ import annotations

import os
import secrets
from collections.abc import AsyncIterator

import pytest

from bots.telegram.flood import Timer
from mentorbot.shared_limits import RedisPacer
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
