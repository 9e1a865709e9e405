"""Two real `mentorbot serve` workers with MENTORBOT_DISCORD_SHARD_COUNT=2 against the local
Discord fake, which honours IDENTIFY's `shard` field and refuses a second IDENTIFY for a
connected shard (issue 21, part 6): each shard is connected exactly once across the workers
and `/healthz` lists the shards each worker holds; when a worker holding a shard is killed
with SIGKILL, the survivor holds both within 30 s, and no shard ever had two connections.
Run with the advisory lock (PostgreSQL alone) and the Redis lease."""

from __future__ import annotations

import asyncio
import secrets
import signal
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import aiohttp
import pytest

from tests.adapters.discord.fake_discord import FakeDiscord
from tests.e2e.test_workers_scheduler import Worker, shared, worker

__all__ = ["shared"]  # the fixture: PostgreSQL (and Redis for the lease), or a skip
TAKEOVER_S = 30.0
SHARDS = 2


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


async def held_shards(w: Worker, http: aiohttp.ClientSession) -> list[int]:
    gateway = (await w.health(http))["discord_gateway"]
    assert isinstance(gateway, dict) and gateway["shard_count"] == SHARDS
    return sorted(gateway["shards"])


def connected(fake: FakeDiscord) -> list[int]:
    return sorted(shard for shard, ws in fake.shards.items() if not ws.closed)


async def test_each_discord_shard_is_held_by_one_worker_and_the_survivor_takes_them_over(
    shared: dict[str, str], fake: FakeDiscord, tmp_path: Path
) -> None:
    env = {
        **shared,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "shards-" + secrets.token_hex(4),
        "MENTORBOT_MATCH_MODEL": "none",
        "MENTORBOT_TICK_SECONDS": "1",
        "MENTORBOT_DISCORD_TOKEN": "fake-discord-token",
        "MENTORBOT_DISCORD_API_URL": fake.api_url,
        "MENTORBOT_DISCORD_GATEWAY_URL": fake.gateway_url,
        "MENTORBOT_DISCORD_SHARD_COUNT": str(SHARDS),
    }
    async with AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        a = await stack.enter_async_context(worker("a", env, tmp_path / "a.log"))
        b = await stack.enter_async_context(worker("b", env, tmp_path / "b.log"))
        held: list[list[int]] = []
        for _ in range(150):
            held = [await held_shards(w, http) for w in (a, b)]
            if sorted(held[0] + held[1]) == [0, 1] and connected(fake) == [0, 1]:
                break
            await asyncio.sleep(0.2)
        assert sorted(held[0] + held[1]) == [0, 1], held  # each shard held by one worker
        assert connected(fake) == [0, 1] and fake.shard_count == SHARDS
        await asyncio.sleep(2)  # and nobody tries to connect a shard held elsewhere
        assert fake.open_sockets == SHARDS
        assert dict(fake.shard_identifies) == {0: 1, 1: 1}, fake.shard_identifies
        assert not fake.shard_refusals, fake.shard_refusals

        # Kill a worker that holds a shard; the other one must end up holding both.
        victim, survivor = (a, b) if held[0] else (b, a)
        victim.proc.send_signal(signal.SIGKILL)
        await victim.proc.wait()
        killed_at = time.monotonic()
        while await held_shards(survivor, http) != [0, 1] or connected(fake) != [0, 1]:
            assert time.monotonic() - killed_at < TAKEOVER_S, (
                "the survivor did not take every shard over",
                connected(fake),
            )
            await asyncio.sleep(0.2)
        assert fake.open_sockets == SHARDS
        # Never two connections for one shard: the fake would have refused the second
        # IDENTIFY, and each shard was identified once per worker that took it.
        assert not fake.shard_refusals, fake.shard_refusals
        assert fake.most_open == SHARDS, fake.most_open
        log = (tmp_path / f"{survivor.name}.log").read_text()
        for shard in range(SHARDS):
            assert f"discord: worker {survivor.name} holds gateway shard {shard} of 2" in log
