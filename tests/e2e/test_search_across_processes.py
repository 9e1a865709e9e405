"""Issue #13 item 3: a mentor approved in one process is found by another process's search
within 2 s — the server (`mentorbot serve`, its real recommender) and a second process that
approves through the admin command, sharing only the database."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from core.db.schema import Account
from mentorbot.bootstrap import build_core
from mentorbot.settings import Settings
from tests.e2e.processes import postgres_database, script, serving
from tests.e2e.webclient import WebChatClient
from tests.support import PG_URL
from tests.unit.dialog_helpers import apply_as_mentor

SEARCHABLE_WITHIN_S = 2.0
MENTOR = "zubeida"


@pytest.fixture(params=["sqlite", "postgres"])
async def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path}/shared.db"
        return
    if not PG_URL:
        pytest.skip("PostgreSQL: set MENTORBOT_TEST_DATABASE_URL to run it")
    async with postgres_database(PG_URL) as url:
        yield url


async def pending_mentor(url: str) -> int:
    """A mentor application waiting for an admin, made through the dialogs; its user id."""
    settings = Settings(_env_file=None, database_url=url, match_model="none")  # type: ignore[call-arg]
    core = await build_core(settings, matching=False)
    try:
        await apply_as_mentor(core, MENTOR, skills="Kubernetes: advanced")
        async with core.db.transaction() as s:
            uid = await s.scalar(select(Account.user_id).where(Account.external_id == MENTOR))
        assert uid is not None
        return int(uid)
    finally:
        await core.db.dispose()


async def finds_mentor(learner: WebChatClient) -> bool:
    await learner.say("/find Kubernetes")
    return MENTOR.capitalize() in learner.text()


async def committed(proc: asyncio.subprocess.Process) -> str:
    """The script's output up to its "committed" line (all of it if it never says so)."""
    assert proc.stdout is not None
    lines: list[str] = []
    for _ in range(100):
        line = (await asyncio.wait_for(proc.stdout.readline(), 120)).decode()
        lines.append(line)
        if not line or line.strip() == "committed":
            break
    out = "".join(lines)
    assert "committed" in out, out
    return out


async def test_a_mentor_approved_in_another_process_is_found_within_2_s(
    database_url: str, tmp_path: Path
) -> None:
    mentor_id = await pending_mentor(database_url)
    env = {
        "MENTORBOT_DATABASE_URL": database_url,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "cross-process",
        "MENTORBOT_ADMINS": "console:admin",
        "MENTORBOT_MATCH_MODEL": "hashing",
        "MENTORBOT_TICK_SECONDS": "0",
    }
    async with serving(env, tmp_path / "server.log") as base:
        learner = WebChatClient(base)
        try:
            await learner.open()
            assert not await finds_mentor(learner), learner.text()  # pending: not listed

            async with script("tests.e2e.second_process", ["approve", str(mentor_id)], env) as p:
                out = await committed(p)
                # The clock starts when the other process has committed, not when it exits.
                deadline = time.monotonic() + SEARCHABLE_WITHIN_S
                assert f"Approved {MENTOR.capitalize()}" in out, out

            found = await finds_mentor(learner)
            while not found and time.monotonic() < deadline:
                await asyncio.sleep(0.1)
                found = await finds_mentor(learner)
            assert found, f"not found within {SEARCHABLE_WITHIN_S} s:\n{learner.text()}"
        finally:
            await learner.close()
