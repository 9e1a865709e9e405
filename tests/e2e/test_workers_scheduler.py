"""Two real `mentorbot serve` workers on one PostgreSQL (issue 21, part 3): exactly one holds
the scheduler, `/healthz` says which; when that worker is killed (SIGKILL: no goodbye), the
other takes the scheduler within 30 s, and a reminder falling due meanwhile is sent once.
Run with the advisory lock (PostgreSQL alone) and with the Redis lease."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from core.booking.tables import Booking, BookingNotice
from core.db.engine import Database
from mentorbot.migrate import upgrade
from tests.booking_support import add_mentor, add_user
from tests.e2e.processes import MAIN, REPO, _wait_healthy, free_port, postgres_database
from tests.e2e.processes import process_env as clean_env
from tests.support import PG_URL

REDIS_URL = os.environ.get("MENTORBOT_TEST_REDIS_URL", "")
TAKEOVER_S = 30.0


@dataclass
class Worker:
    name: str
    base: str
    proc: asyncio.subprocess.Process

    async def health(self, http: aiohttp.ClientSession) -> dict[str, object]:
        async with http.get(self.base + "/healthz") as resp:
            body: dict[str, object] = await resp.json()
            return body

    async def role(self, http: aiohttp.ClientSession) -> str:
        sched = (await self.health(http))["scheduler"]
        assert isinstance(sched, dict)
        return str(sched["role"])


@asynccontextmanager
async def worker(name: str, env: dict[str, str], log: Path) -> AsyncIterator[Worker]:
    port = free_port()
    full = clean_env({**env, "MENTORBOT_HTTP_PORT": str(port), "MENTORBOT_WORKER_NAME": name})
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", MAIN, "serve", env=full, cwd=REPO, stdout=out, stderr=out
        )
    base = f"http://127.0.0.1:{port}"
    try:
        await _wait_healthy(proc, base, 90.0, log)
        yield Worker(name, base, proc)
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()


@pytest.fixture(params=["advisory lock", "redis lease"])
async def shared(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, str]]:
    if not PG_URL:
        pytest.skip("several workers need PostgreSQL: set MENTORBOT_TEST_DATABASE_URL")
    extra = {}
    if request.param == "redis lease":
        if not REDIS_URL:
            pytest.skip("the Redis lease needs Redis: set MENTORBOT_TEST_REDIS_URL")
        extra["MENTORBOT_REDIS_URL"] = REDIS_URL
    async with postgres_database(PG_URL) as url:
        db = Database.from_url(url)
        await upgrade(db.engine)
        await db.dispose()
        yield {"MENTORBOT_DATABASE_URL": url, **extra}


async def holder_and_standby(
    workers: list[Worker], http: aiohttp.ClientSession
) -> tuple[Worker, Worker]:
    """Once settled (a worker may start before the other has renewed): the one holding it."""
    for _ in range(100):
        roles = [await w.role(http) for w in workers]
        if sorted(roles) == ["held", "standby"]:
            held = workers[roles.index("held")]
            return held, workers[1 - roles.index("held")]
        await asyncio.sleep(0.2)
    raise AssertionError(f"no single holder: {roles}")


async def reminder_due_in(url: str, seconds: float) -> int:
    """A confirmed session whose 15-minute reminder falls due `seconds` from now."""
    db = Database.from_url(url)
    now = datetime.now(UTC)
    starts = now + timedelta(minutes=15, seconds=seconds)
    async with db.transaction() as s:
        mentor = await add_mentor(s, "Meera", now)
        learner = await add_user(s, "Asha", now)
        b = Booking(
            mentor_id=mentor,
            learner_id=learner,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=10),
            length_min=10,
            status="confirmed",
            price_mode="free",
            respond_by=now,
            created_at=now,
        )
        s.add(b)
        await s.flush()
        booking_id = b.id
    await db.dispose()
    return booking_id


async def reminders_sent(url: str, booking_id: int) -> int:
    db = Database.from_url(url)
    async with db.transaction() as s:
        n = await s.scalar(
            select(func.count())
            .select_from(BookingNotice)
            .where(BookingNotice.booking_id == booking_id, BookingNotice.kind.like("reminder:%"))
        )
    await db.dispose()
    return int(n or 0)


async def test_one_worker_holds_the_scheduler_and_another_takes_it_when_it_dies(
    shared: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **shared,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "workers-" + secrets.token_hex(4),
        "MENTORBOT_MATCH_MODEL": "none",
        "MENTORBOT_TICK_SECONDS": "1",
    }
    async with AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        a = await stack.enter_async_context(worker("a", env, tmp_path / "a.log"))
        b = await stack.enter_async_context(worker("b", env, tmp_path / "b.log"))
        held, standby = await holder_and_standby([a, b], http)
        health = await held.health(http)
        assert health["worker"] == held.name
        if "MENTORBOT_REDIS_URL" in shared:
            assert health["redis"] == "reachable"
            assert health["scheduler"] == {"role": "held", "by": "redis lease"}
        else:
            assert health["scheduler"] == {"role": "held", "by": "postgresql advisory lock"}

        url = shared["MENTORBOT_DATABASE_URL"]
        booking_id = await reminder_due_in(url, 3)
        held.proc.send_signal(signal.SIGKILL)
        await held.proc.wait()
        killed_at = time.monotonic()
        while await standby.role(http) != "held":
            assert time.monotonic() - killed_at < TAKEOVER_S, "nobody took the scheduler"
            await asyncio.sleep(0.5)
        # The reminder falls due during or after the takeover; the new holder sends it, once.
        for _ in range(100):
            if await reminders_sent(url, booking_id):
                break
            await asyncio.sleep(0.2)
        await asyncio.sleep(2.5)  # more ticks: none may send it again
        assert await reminders_sent(url, booking_id) == 1
        log = (tmp_path / f"{standby.name}.log").read_text()
        assert f"worker {standby.name} took the scheduler" in log
