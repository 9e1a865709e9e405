"""Every page that shows text a person typed (a name, a topic, a room chat line, a payment's
description) shows it as text: the templates autoescape (issue #27 item 4)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from core.booking.room_chat import add_message
from core.booking.service import Bookings
from core.booking.views import room_token
from core.clock import ManualClock
from core.db.schema import User
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.booking_support import add_mentor, add_user

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
EVIL = "<script>alert(1)</script>"
ESCAPED = "&lt;script&gt;alert(1)&lt;/script&gt;"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/escape.db",
        data_dir=tmp_path,
        secret_key="escape-secret",  # type: ignore[arg-type]
    )
    srv = TestServer(create_app(settings, clock=ManualClock(NOW)), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def get(http: aiohttp.ClientSession, srv: TestServer, path: str, status: int) -> str:
    async with http.get(srv.make_url(path)) as resp:
        assert resp.status == status, path
        assert resp.content_type == "text/html"
        return await resp.text()


def shown_as_text(page: str, count: int = 1) -> None:
    assert EVIL not in page and "<img" not in page
    assert page.count(ESCAPED) >= count, page


async def test_names_topics_and_chat_lines_are_escaped_on_the_room_pages(
    server: TestServer,
) -> None:
    core = server.app[CORE]
    async with core.db.transaction() as s:
        mentor = await add_mentor(s, f"{EVIL}Meera", NOW)
        learner = await add_user(s, "Asha", NOW, tz="Europe/London")
        svc = Bookings(s, NOW, core.policies, [])
        offer = await svc.offering(mentor)
        assert offer is not None
        start = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
        b = await svc.request(learner, offer, start, 20, f"{EVIL}<img src=x onerror=alert(2)>")
        await svc.accept(b.id, mentor)
        await add_message(s, b.id, mentor, "mentor", EVIL, NOW)
    token = room_token(core.signing_keys, b.id, learner, "learner")
    async with aiohttp.ClientSession() as http:
        early = await get(http, server, f"/room/{token}", 200)
        shown_as_text(early, 3)  # the title, the heading and the topic
        assert f"<title>Session with {ESCAPED}Meera · MentorBot</title>" in early
        assert "Topic: &lt;script&gt;" in early and "&lt;img src=x" in early

        shown_as_text(await get(http, server, f"/room/{token}/recordings", 200), 2)

        async with core.db.transaction() as s:
            await Bookings(s, NOW, core.policies, []).cancel(b.id, mentor)
        cancelled = await get(http, server, f"/room/{token}", 410)
        shown_as_text(cancelled)
        assert f"Your session with {ESCAPED}Meera at" in cancelled


async def test_a_payment_description_is_escaped_on_the_pay_page(server: TestServer) -> None:
    core = server.app[CORE]
    async with core.uow() as u:
        payer = User(display_name="Learner", created_at=NOW)
        u.session.add(payer)
        await u.session.flush()
        co = await u.payments.checkout(
            purpose="booking",
            ref_id=7,
            payer_id=payer.id,
            amount=10000,
            currency="INR",
            description=f"10-minute session on {EVIL}<img src=x onerror=alert(2)>",
        )
        p = await u.payments.get(co.payment_id)
        assert p is not None
    async with aiohttp.ClientSession() as http:
        page = await get(http, server, f"/pay/{p.token}", 200)
    shown_as_text(page)
    assert f"<h1>Pay for 10-minute session on {ESCAPED}&lt;img" in page
