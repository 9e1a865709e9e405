"""The scheduler's election (issue 21, part 3) on the real engines: a Redis lease and a
PostgreSQL advisory lock. One holder at a time; a dead holder's place is taken; a holder that
can't reach its engine steps down instead of assuming."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator

import pytest

from mentorbot.leader import PgAdvisoryLock, RedisLease, asyncpg_dsn, deployment_key
from tests.e2e.processes import free_port
from tests.support import PG_URL

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


async def test_one_redis_lease_holder_and_a_dead_holders_lease_is_taken(redis: object) -> None:
    key = f"mentorbot:test:scheduler:{secrets.token_hex(4)}"
    a = RedisLease(redis, "a", key=key, ttl_s=0.6)  # type: ignore[arg-type]
    b = RedisLease(redis, "b", key=key, ttl_s=0.6)  # type: ignore[arg-type]
    await a.step()
    await b.step()
    assert (a.held, b.held) == (True, False)
    await a.step()  # renewed: still a's
    await b.step()
    assert (a.held, b.held) == (True, False)
    # a dies: it stops renewing; once the lease lapses, b takes it.
    await asyncio.sleep(0.8)
    await b.step()
    assert b.held
    # a comes back from a long pause: its renewal finds the lease is b's, and it steps down.
    await a.step()
    assert (a.held, b.held) == (False, True)
    await b.close()  # a clean shutdown frees the lease at once
    await a.step()
    assert a.held
    await a.close()


async def test_a_holder_that_cannot_reach_redis_steps_down() -> None:
    from redis.asyncio import Redis

    nowhere = Redis.from_url(f"redis://127.0.0.1:{free_port()}/0", socket_connect_timeout=1)
    lease = RedisLease(nowhere, "a", key="mentorbot:test:nowhere")
    lease._held = True  # it held the lease before Redis went away
    await lease.step()
    assert not lease.held
    await nowhere.aclose()


@pytest.mark.postgres
async def test_one_advisory_lock_holder_and_a_dead_holders_lock_is_taken() -> None:
    if not PG_URL:
        pytest.skip("PostgreSQL: set MENTORBOT_TEST_DATABASE_URL to run it")
    key = f"mentorbot:test:{secrets.token_hex(4)}"
    a = PgAdvisoryLock(asyncpg_dsn(PG_URL), "a", key=key)
    b = PgAdvisoryLock(asyncpg_dsn(PG_URL), "b", key=key)
    try:
        await a.step()
        await b.step()
        assert (a.held, b.held) == (True, False)
        await a.step()
        await b.step()
        assert (a.held, b.held) == (True, False)
        # a's process dies: its connection drops, and the server frees the lock with it.
        assert a._conn is not None
        a._conn.terminate()
        await asyncio.sleep(0.2)
        await b.step()
        assert b.held
        await a.step()  # reconnects, finds the lock taken
        assert not a.held
    finally:
        await a.close()
        await b.close()


def test_each_database_has_its_own_lease_and_no_password_in_its_name() -> None:
    a = deployment_key("postgresql+asyncpg://app:secret@db1:5432/mentorbot")
    assert a == deployment_key("postgresql+asyncpg://app:other@db1:5432/mentorbot")
    assert a != deployment_key("postgresql+asyncpg://app:secret@db1:5432/staging")
    assert "secret" not in a
