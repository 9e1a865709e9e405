"""Two real `mentorbot serve` workers with Discord on, against the local Discord fake
(issue 21, part 6): exactly one holds the gateway connection (its lease, like the
scheduler's), `/healthz` says which; when that worker is killed with SIGKILL the other
connects within 30 s, and never are two connected at once. Run with the advisory lock
(PostgreSQL alone) and the Redis lease."""

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


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


async def gateway_role(w: Worker, http: aiohttp.ClientSession) -> str:
    gateway = (await w.health(http))["discord_gateway"]
    assert isinstance(gateway, dict)
    return str(gateway["role"])


async def test_one_worker_holds_the_discord_gateway_and_another_connects_when_it_dies(
    shared: dict[str, str], fake: FakeDiscord, tmp_path: Path
) -> None:
    env = {
        **shared,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "gateway-" + secrets.token_hex(4),
        "MENTORBOT_MATCH_MODEL": "none",
        "MENTORBOT_TICK_SECONDS": "1",
        "MENTORBOT_DISCORD_TOKEN": "fake-discord-token",
        "MENTORBOT_DISCORD_API_URL": fake.api_url,
        "MENTORBOT_DISCORD_GATEWAY_URL": fake.gateway_url,
    }
    async with AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        a = await stack.enter_async_context(worker("a", env, tmp_path / "a.log"))
        b = await stack.enter_async_context(worker("b", env, tmp_path / "b.log"))
        roles: list[str] = []
        for _ in range(150):
            roles = [await gateway_role(w, http) for w in (a, b)]
            if sorted(roles) == ["held", "standby"] and fake.identifies == 1:
                break
            await asyncio.sleep(0.2)
        assert sorted(roles) == ["held", "standby"] and fake.identifies == 1, (
            roles,
            fake.identifies,
        )
        held = (a, b)[roles.index("held")]
        standby = (a, b)[roles.index("standby")]
        await asyncio.sleep(2)  # the standby stays off the gateway
        assert fake.open_sockets == 1 and fake.identifies == 1

        held.proc.send_signal(signal.SIGKILL)
        await held.proc.wait()
        killed_at = time.monotonic()
        while fake.identifies < 2:
            assert time.monotonic() - killed_at < TAKEOVER_S, "no worker took the gateway over"
            await asyncio.sleep(0.2)
        assert await gateway_role(standby, http) == "held"
        assert fake.most_open == 1  # never two gateway connections at once
        log = (tmp_path / f"{standby.name}.log").read_text()
        assert f"discord: worker {standby.name} holds the gateway" in log
