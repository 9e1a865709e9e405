"""Live pushes crossing workers (issue 21, parts 1 and 4), two real `mentorbot serve` workers
on one PostgreSQL and one Redis: a web chat notice delivered by worker A reaches the
person's socket on worker B at once — not at their next reload, and not twice; a message
written in a community's web room on A appears live in the same room open on B."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from bots.web.identity import login_token
from core.db.engine import Database
from core.db.schema import Account
from core.messaging import Actor
from mentorbot.bootstrap import build_core
from mentorbot.migrate import upgrade
from mentorbot.settings import Settings
from tests.e2e.processes import postgres_database
from tests.e2e.test_workers_scheduler import worker
from tests.e2e.webclient import WebChatClient
from tests.support import PG_URL
from tests.unit.dialog_helpers import apply_as_mentor

REDIS_URL = os.environ.get("MENTORBOT_TEST_REDIS_URL", "")
APPLICANT = "web-applicant-7f3a"
ARRIVES_WITHIN_S = 3.0  # the outbox's sweep, the path without fan-out, waits 30 s


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    if not (PG_URL and REDIS_URL):
        pytest.skip("workers sharing web chat need PostgreSQL and Redis: set MENTORBOT_TEST_*")
    async with postgres_database(PG_URL) as url:
        db = Database.from_url(url)
        await upgrade(db.engine)
        await db.dispose()
        yield url


async def pending_web_applicant(url: str) -> int:
    settings = Settings(_env_file=None, database_url=url, match_model="none")  # type: ignore[call-arg]
    core = await build_core(settings, matching=False)
    try:
        await apply_as_mentor(core, APPLICANT, skills="Kubernetes: advanced", platform="web")
        async with core.db.transaction() as s:
            uid = await s.scalar(select(Account.user_id).where(Account.external_id == APPLICANT))
        assert uid is not None
        return int(uid)
    finally:
        await core.db.dispose()


async def signed_in(base: str, web_id: str, key: str) -> WebChatClient:
    keys = Settings(_env_file=None, secret_key=key).signing_keys()  # type: ignore[call-arg]
    client = WebChatClient(base)
    async with client.session.get(f"{base}/login?token={login_token(keys, web_id)}") as resp:
        assert resp.status == 200, resp.status
    await client.open()
    return client


async def test_a_notice_delivered_by_one_worker_reaches_a_socket_on_another(
    database_url: str, tmp_path: Path
) -> None:
    applicant_id = await pending_web_applicant(database_url)
    key = "fanout-" + secrets.token_hex(4)
    env = {
        "MENTORBOT_DATABASE_URL": database_url,
        "MENTORBOT_REDIS_URL": REDIS_URL,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": key,
        "MENTORBOT_ADMINS": "web:admin",
        "MENTORBOT_MATCH_MODEL": "none",
        "MENTORBOT_TICK_SECONDS": "0",
    }
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(worker("a", env, tmp_path / "a.log"))
        b = await stack.enter_async_context(worker("b", env, tmp_path / "b.log"))
        applicant = await signed_in(b.base, APPLICANT, key)
        stack.push_async_callback(applicant.close)
        admin = await signed_in(a.base, "admin", key)
        stack.push_async_callback(admin.close)

        await admin.say(f"/admin approve {applicant_id}")
        assert "Approved" in admin.text(), admin.text()
        approved_at = time.monotonic()

        assert applicant.ws is not None
        got: list[str] = []
        while time.monotonic() - approved_at < ARRIVES_WITHIN_S:
            try:
                msg = await applicant.ws.receive_json(timeout=0.5)
            except TimeoutError:
                continue
            except aiohttp.ClientError as exc:
                raise AssertionError(f"the socket on B failed: {exc}") from exc
            if msg.get("type") == "message":
                got.append(msg["text"])
        approvals = [t for t in got if "application was approved" in t]
        assert len(approvals) == 1, got


class RoomClient:
    """A community web room (/c/{slug}) as its page speaks it."""

    def __init__(self, base: str, slug: str) -> None:
        self.base, self.slug = base, slug
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.ws: aiohttp.ClientWebSocketResponse | None = None

    async def open(self) -> None:
        async with self.http.get(f"{self.base}/c/{self.slug}") as r:
            assert r.status == 200, r.status
        self.ws = await self.http.ws_connect(
            f"{self.base.replace('http', 'ws')}/c/{self.slug}/ws", headers={"Origin": self.base}
        )
        await self.until("done")

    async def until(self, kind: str, within_s: float = 10.0) -> dict[str, Any]:
        assert self.ws is not None
        deadline = time.monotonic() + within_s
        while (left := deadline - time.monotonic()) > 0:
            m: dict[str, Any] = await self.ws.receive_json(timeout=left)
            if m["type"] == kind:
                return m
        raise AssertionError(f"no {kind} within {within_s} s")

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self.http.close()


async def public_room(url: str) -> str:
    settings = Settings(_env_file=None, database_url=url, match_model="none")  # type: ignore[call-arg]
    core = await build_core(settings, matching=False)
    try:
        async with core.uow() as u:
            owner, _ = await u.identity.resolve(Actor("console", "console", "owner", "Owner"))
            c = await u.communities.create(owner, "Rust Learners", "", [], "public")
            return c.slug
    finally:
        await core.db.dispose()


async def test_a_room_message_written_on_one_worker_is_live_on_another(
    database_url: str, tmp_path: Path
) -> None:
    slug = await public_room(database_url)
    env = {
        "MENTORBOT_DATABASE_URL": database_url,
        "MENTORBOT_REDIS_URL": REDIS_URL,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "rooms-" + secrets.token_hex(4),
        "MENTORBOT_MATCH_MODEL": "none",
        "MENTORBOT_TICK_SECONDS": "0",
    }
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(worker("a", env, tmp_path / "a.log"))
        b = await stack.enter_async_context(worker("b", env, tmp_path / "b.log"))
        reader = RoomClient(b.base, slug)
        stack.push_async_callback(reader.close)
        writer = RoomClient(a.base, slug)
        stack.push_async_callback(writer.close)
        await reader.open()
        await writer.open()
        assert writer.ws is not None
        await writer.ws.send_json({"type": "join"})
        await writer.until("room")
        await writer.ws.send_json({"type": "say", "text": "hello from worker a"})
        mine = await writer.until("message")
        live = await reader.until("message", within_s=ARRIVES_WITHIN_S)
        assert live["id"] == mine["id"] and live["html"] == "hello from worker a"
