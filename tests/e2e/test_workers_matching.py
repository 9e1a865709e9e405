"""Two real `mentorbot serve` workers on one PostgreSQL (issue 21, part 7): only the worker
holding the scheduler retrains the matching model; it publishes each version to the
database and the other worker loads it (told over Redis, or finding it by polling without
Redis), reaches the same version in `/healthz`, and ranks a learner's search the same.
Run with the advisory lock (PostgreSQL alone) and with the Redis lease."""

from __future__ import annotations

import asyncio
import random
import re
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from core.db import changes
from core.db.engine import Database
from core.db.matching import MatchEvent
from core.db.schema import Account, Skill, UserSkill
from mentorbot.migrate import upgrade
from tests.booking_support import add_mentor, add_user
from tests.e2e.processes import postgres_database
from tests.e2e.test_workers_scheduler import REDIS_URL, Worker, worker
from tests.e2e.webclient import WebChatClient
from tests.support import PG_URL

MENTORS = [f"Tutor{c}" for c in "ABCDEFGHIJ"]
REACH_S = 60.0  # generous: a worker's start-up and its first fit on a shared 2-core machine


@pytest.fixture(params=["advisory lock", "redis lease"])
async def shared(request: pytest.FixtureRequest) -> AsyncIterator[dict[str, str]]:
    if not PG_URL:
        pytest.skip("several workers need PostgreSQL: set MENTORBOT_TEST_DATABASE_URL")
    extra = {}
    if request.param == "redis lease":
        if not REDIS_URL:
            pytest.skip("the Redis announcement needs Redis: set MENTORBOT_TEST_REDIS_URL")
        extra["MENTORBOT_REDIS_URL"] = REDIS_URL
    async with postgres_database(PG_URL) as url:
        db = Database.from_url(url)
        await upgrade(db.engine)
        await db.dispose()
        yield {"MENTORBOT_DATABASE_URL": url, **extra}


async def model(w: Worker, http: aiohttp.ClientSession) -> dict[str, object]:
    matching = (await w.health(http))["matching"]
    assert isinstance(matching, dict)
    m = matching["model"]
    assert isinstance(m, dict)
    return m


async def reaches(w: Worker, http: aiohttp.ClientSession, version: int) -> dict[str, object]:
    deadline = time.monotonic() + REACH_S
    while True:
        m = await model(w, http)
        if m["version"] == version:
            return m
        assert time.monotonic() < deadline, f"{w.name} stuck at {m}, wanted version {version}"
        await asyncio.sleep(0.3)


async def seed(url: str, learner_id: int) -> None:
    """Ten Python mentors; 30 learners who requested some of them, the web learner two.
    Written straight to the database, then "retrain everything" on the change log."""
    rng = random.Random(4)
    now = datetime.now(UTC)
    db = Database.from_url(url)
    async with db.transaction() as s:
        python = await s.scalar(select(Skill.id).where(Skill.name == "Python"))
        assert python is not None
        mentors = []
        for i, name in enumerate(MENTORS):
            uid = await add_mentor(s, name, now)
            level = ("beginner", "intermediate", "advanced")[i % 3]
            s.add(UserSkill(user_id=uid, skill_id=python, kind="teach", level=level))
            mentors.append(uid)
        for i in range(30):
            lr = await add_user(s, f"Learner{i}", now)
            # Two taste groups: mentors 0-4 and 5-9, chosen together.
            group = mentors[:5] if i % 2 else mentors[5:]
            for m in rng.sample(group, 3):
                s.add(MatchEvent(learner_id=lr, mentor_id=m, variant="control",
                                 kind="request", created_at=now))  # fmt: skip
        for m in mentors[5:7]:
            s.add(MatchEvent(learner_id=learner_id, mentor_id=m, variant="control",
                             kind="request", created_at=now))  # fmt: skip
        await changes.record_everything(s, now)
    await db.dispose()


async def retrain_everywhere(url: str) -> None:
    """What `mentorbot match retrain` asks of running servers, without its own retrain."""
    db = Database.from_url(url)
    async with db.transaction() as s:
        await changes.record_everything(s, datetime.now(UTC))
    await db.dispose()


async def web_learner(url: str) -> int:
    db = Database.from_url(url)
    async with db.transaction() as s:
        uid = await s.scalar(select(Account.user_id).where(Account.platform == "web"))
    await db.dispose()
    assert uid is not None
    return int(uid)


def ranking(text: str) -> list[str]:
    found = sorted((m.start(), m.group(0)) for m in re.finditer(r"Tutor[A-J]", text))
    order: list[str] = []
    for _at, name in found:
        if name not in order:
            order.append(name)
    return order


async def find_on(learner: WebChatClient, w: Worker) -> list[str]:
    """The same learner (same cookie) asking on worker `w`."""
    if learner.ws is not None:
        await learner.ws.close()
    learner.base = w.base
    await learner.open()
    await learner.say("/find Python")
    return ranking(learner.text())


async def test_one_worker_retrains_and_publishes_the_other_loads_and_ranks_the_same(
    shared: dict[str, str], tmp_path: Path
) -> None:
    url = shared["MENTORBOT_DATABASE_URL"]
    env = {
        **shared,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "matching-" + secrets.token_hex(4),
        "MENTORBOT_MATCH_MODEL": "hashing",
        "MENTORBOT_TICK_SECONDS": "1",
    }
    async with AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        a = await stack.enter_async_context(worker("a", env, tmp_path / "a.log"))
        # Alone, `a` takes the scheduler and publishes a first version soon after start.
        first = await reaches(a, http, 1)
        assert first == {"version": 1, "source": "trained here"}
        assert await a.role(http) == "held"

        learner = WebChatClient(a.base)
        stack.push_async_callback(learner.close)
        await learner.open()
        await learner.say("/find Python")  # nobody teaches it yet; the learner now exists
        await seed(url, await web_learner(url))
        await reaches(a, http, 2)  # the change log's "retrain everything": `a` retrains

        b = await stack.enter_async_context(worker("b", env, tmp_path / "b.log"))
        assert await b.role(http) == "standby"
        assert await reaches(b, http, 2) == {"version": 2, "source": "loaded"}

        on_b = await find_on(learner, b)
        on_a = await find_on(learner, a)
        assert len(on_a) >= 5, learner.text()
        assert on_b == on_a

        # Both running: the next version reaches `b` by Redis or by its poll.
        await retrain_everywhere(url)
        await reaches(a, http, 3)
        assert await reaches(b, http, 3) == {"version": 3, "source": "loaded"}
        assert await find_on(learner, b) == await find_on(learner, a)

    a_log = (tmp_path / "a.log").read_text()
    b_log = (tmp_path / "b.log").read_text()
    for v in (1, 2, 3):
        assert f"matching model version {v} published" in a_log
    assert "matching retrained" in a_log
    for v in (2, 3):
        assert f"matching model version {v} loaded" in b_log
    # `b` never fitted a model of its own: not at start (a version existed), not after.
    assert "matching retrained" not in b_log, b_log
    assert "fitted here" not in b_log and "published" not in b_log, b_log
