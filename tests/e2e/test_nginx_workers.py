"""Debian's nginx with deploy/nginx/mentorbot.conf in front of two real workers on one
PostgreSQL and one Redis (issue 21, part 8): requests reach both workers, the web chat's
WebSocket upgrade passes through, a call room's two people meet on one worker (routed by
the booking), and when one worker is killed every request is still answered by the other —
a web chat message in flight on it included, exactly once."""

from __future__ import annotations

import asyncio
import os
import re
import secrets
import signal
from collections import Counter
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlalchemy import text as sa_text

from core.booking.tables import Booking
from core.booking.views import room_token
from core.db.engine import Database
from mentorbot.migrate import upgrade
from mentorbot.settings import Settings
from tests.booking_support import add_mentor, add_user
from tests.e2e.nginx_support import need_nginx, nginx_in_front
from tests.e2e.processes import free_port, postgres_database
from tests.e2e.test_workers_scheduler import Worker, worker
from tests.e2e.webclient import WebChatClient
from tests.support import PG_URL

REDIS_URL = os.environ.get("MENTORBOT_TEST_REDIS_URL", "")


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    need_nginx()
    if not (PG_URL and REDIS_URL):
        pytest.skip("workers behind nginx need PostgreSQL and Redis: set MENTORBOT_TEST_*")
    async with postgres_database(PG_URL) as url:
        db = Database.from_url(url)
        await upgrade(db.engine)
        await db.dispose()
        yield url


async def who_answers(http: aiohttp.ClientSession, base: str, n: int) -> Counter[str]:
    seen: Counter[str] = Counter()
    for _ in range(n):
        async with http.get(base + "/healthz") as resp:
            assert resp.status == 200, resp.status
            seen[str((await resp.json())["worker"])] += 1
    return seen


async def chat_works(base: str) -> None:
    client = WebChatClient(base)
    try:
        first = await client.open()  # the page, then the WebSocket upgrade through nginx
        assert any(m["role"] == "bot" for m in first), first
        await client.say("help")
        assert client.last, "no answer through nginx"
    finally:
        await client.close()


async def test_nginx_spreads_requests_and_survives_a_killed_worker(
    database_url: str, tmp_path: Path
) -> None:
    env = {
        "MENTORBOT_DATABASE_URL": database_url,
        "MENTORBOT_REDIS_URL": REDIS_URL,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "nginx-" + secrets.token_hex(4),
        "MENTORBOT_MATCH_MODEL": "none",
        "MENTORBOT_TICK_SECONDS": "0",
    }
    async with AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        a = await stack.enter_async_context(worker("a", env, tmp_path / "a.log"))
        b = await stack.enter_async_context(worker("b", env, tmp_path / "b.log"))
        ports = [int(urlsplit(w.base).port or 0) for w in (a, b)]
        base = await stack.enter_async_context(nginx_in_front(ports, tmp_path / "nginx"))

        assert set(await who_answers(http, base, 10)) == {"a", "b"}
        await chat_works(base)

        a.proc.send_signal(signal.SIGKILL)
        await a.proc.wait()
        # Every request is answered: nginx moves a refused connection to the next worker.
        assert await who_answers(http, base, 10) == Counter({"b": 10})
        await chat_works(base)


async def booking_starting_soon(url: str) -> tuple[int, int, int]:
    """(booking, mentor, learner): a confirmed session whose room is open now."""
    db = Database.from_url(url)
    now = datetime.now(UTC)
    async with db.transaction() as s:
        mentor = await add_mentor(s, "Meera", now)
        learner = await add_user(s, "Asha", now)
        b = Booking(
            mentor_id=mentor,
            learner_id=learner,
            starts_at=now + timedelta(minutes=2),
            ends_at=now + timedelta(minutes=12),
            length_min=10,
            status="confirmed",
            price_mode="free",
            respond_by=now,
            created_at=now,
        )
        s.add(b)
        await s.flush()
        ids = (b.id, mentor, learner)
    await db.dispose()
    return ids


async def test_a_call_rooms_two_people_meet_on_one_worker_through_nginx(
    database_url: str, tmp_path: Path
) -> None:
    key = "rooms-" + secrets.token_hex(4)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "MENTORBOT_DATABASE_URL": database_url,
        "MENTORBOT_REDIS_URL": REDIS_URL,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": key,
        "MENTORBOT_PUBLIC_URL": base,
        "MENTORBOT_MATCH_MODEL": "none",
        "MENTORBOT_TICK_SECONDS": "0",
    }
    booking, mentor, learner = await booking_starting_soon(database_url)
    keys = Settings(_env_file=None, secret_key=key).signing_keys()
    async with AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        a = await stack.enter_async_context(worker("a", env, tmp_path / "a.log"))
        b = await stack.enter_async_context(worker("b", env, tmp_path / "b.log"))
        ports = [int(urlsplit(w.base).port or 0) for w in (a, b)]
        await stack.enter_async_context(nginx_in_front(ports, tmp_path / "nginx", port))
        ws_url = base.replace("http", "ws") + "/room/ws?token="
        first = await http.ws_connect(
            ws_url + room_token(keys, booking, mentor, "mentor"), headers={"Origin": base}
        )
        stack.push_async_callback(first.close)
        hello = await first.receive_json(timeout=10)
        assert hello["type"] == "welcome" and hello["peer"] is None
        second = await http.ws_connect(
            ws_url + room_token(keys, booking, learner, "learner"), headers={"Origin": base}
        )
        stack.push_async_callback(second.close)
        hello = await second.receive_json(timeout=10)
        # On the same worker: the learner finds the mentor there, and the mentor is told.
        assert hello["type"] == "welcome" and hello["peer"] == {"role": "mentor", "name": "Meera"}
        joined = await first.receive_json(timeout=10)
        assert joined["type"] == "peer-joined" and joined["from"] == "learner"


async def chat_sockets(http: aiohttp.ClientSession, w: Worker) -> int:
    """The worker's open web chat sockets, from its own /metrics (not through nginx)."""
    async with http.get(w.base + "/metrics") as resp:
        text = await resp.text()
    found = re.search(r'^mentorbot_websocket_connections\{kind="chat"\} (\S+)$', text, re.M)
    return int(float(found.group(1))) if found else 0


async def waiting_on_a_lock(url: str) -> int:
    """Backends of the test database waiting for a row lock (a step blocked mid-way)."""
    db = Database.from_url(url)
    try:
        async with db.transaction() as s:
            q = (
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return int((await s.execute(sa_text(q))).scalar_one())
    finally:
        await db.dispose()


async def test_a_message_in_flight_when_its_worker_is_killed_is_answered_once(
    database_url: str, tmp_path: Path
) -> None:
    """The page's message reaches a worker that is killed mid-step (it waits on the person's
    conversation row, which the test holds): the page reconnects through nginx to the other
    worker, sends the message again under its id, and it is answered exactly once; sent yet
    again (a page that missed that answer too), it is only acknowledged."""
    env = {
        "MENTORBOT_DATABASE_URL": database_url,
        "MENTORBOT_REDIS_URL": REDIS_URL,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "inflight-" + secrets.token_hex(4),
        "MENTORBOT_MATCH_MODEL": "none",
        "MENTORBOT_TICK_SECONDS": "0",
    }
    async with AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        a = await stack.enter_async_context(worker("a", env, tmp_path / "a.log"))
        b = await stack.enter_async_context(worker("b", env, tmp_path / "b.log"))
        ports = [int(urlsplit(w.base).port or 0) for w in (a, b)]
        base = await stack.enter_async_context(nginx_in_front(ports, tmp_path / "nginx"))
        page = WebChatClient(base)
        stack.push_async_callback(page.close)
        await page.open()  # a new visitor: greeted, their conversation row exists now
        held = [await chat_sockets(http, w) for w in (a, b)]
        assert sorted(held) == [0, 1], held
        doomed, survivor = (a, b) if held[0] else (b, a)

        locker = Database.from_url(database_url)
        stack.push_async_callback(locker.dispose)
        async with locker.transaction() as s:
            # The person's conversation row, locked: the step waits for it, mid-transaction.
            await s.execute(
                sa_text("SELECT id FROM conversations WHERE platform = 'web' FOR UPDATE")
            )
            msg_id = await page.send_only({"type": "text", "text": "Learn"}, "Learn")
            for _ in range(100):
                if await waiting_on_a_lock(database_url):
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the step never reached the conversation row")
            doomed.proc.send_signal(signal.SIGKILL)
            await doomed.proc.wait()
            await s.rollback()

        assert msg_id in page.pending
        await asyncio.wait_for(page.reconnect(), 60)
        assert page.pending == {}, page.pending
        assert page.duplicates == []
        assert await chat_sockets(http, survivor) == 1
        answer = [m["text"] for m in page.last]
        assert answer, "no answer after the reconnect"

        # A page that missed this answer too sends it once more: acknowledged, not redone.
        assert page.ws is not None
        await page.ws.send_json({"type": "text", "text": "Learn", "id": msg_id})
        await page._collect(msg_id)
        assert page.duplicates == [msg_id]

        # The stored transcript: the person's line once, and one answer for it.
        replay = await page.open()
        lines = [(m["role"], m["text"]) for m in replay]
        assert [t for r, t in lines if r == "user"] == ["Learn"], lines
        after = lines[[r for r, _ in lines].index("user") + 1 :]
        assert [t for r, t in after if r == "bot"] == answer, lines
