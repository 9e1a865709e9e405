"""Disputes and refunds decided from the web chat: the whole app, a real WebSocket on
127.0.0.1, the sandbox gateway; the ledger balances after each decision."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bots.web.identity import login_token
from core.app import CoreApp
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from payments.sandbox import SandboxGateway
from tests.admin_support import balance, complete, sandbox_pay, session, status_of
from tests.e2e.webclient import WebChatClient
from tests.money_support import invariants


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/e2e.db",
        data_dir=tmp_path,
        secret_key="e2e-secret",
        admins=["web:admin"],
        match_model="hashing",
    )


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def _chat(server: TestServer, settings: Settings, who: str | None) -> WebChatClient:
    c = WebChatClient(str(server.make_url("")).rstrip("/"))
    if who is None:
        await c.open()
    else:
        await c.open(f"/login?token={login_token(settings.secret(), who)}")
    return c


async def test_split_a_dispute_and_refund_part_of_a_session_from_the_web_chat(
    server: TestServer, settings: Settings
) -> None:
    core: CoreApp = server.app[CORE]
    gw = core.deps.gateway
    assert isinstance(gw, SandboxGateway)
    disputed = await session(core, sandbox_pay(core))
    admin = await _chat(server, settings, "admin")
    try:
        await admin.say("/admin disputes")
        assert f"Dispute: session #{disputed.booking_id}" in admin.text()
        assert "The mentor never showed up" in admin.text()
        await admin.press("Split")
        await admin.say("50%")
        await admin.say("Half the session happened")
        assert "₹50 goes back to the learner" in admin.text()
        assert await status_of(core, disputed.booking_id) == "completed"
        assert [a for _i, _p, a in gw.refunds.values()] == [5000]
        assert await invariants(core.db) == []

        held = await session(core, sandbox_pay(core), report=None, hours_ago=3)
        await complete(core, held.booking_id)
        earned = await balance(core, held.mentor_id)
        await admin.say(f"/admin refund {held.booking_id} 20 Audio dropped")
        assert f"Refunded ₹20 for session #{held.booking_id}" in admin.text()
        await admin.say(f"/admin refund {held.booking_id} 20 Audio dropped")
        assert "nothing was done again" in admin.text()
        assert sorted(a for _i, _p, a in gw.refunds.values()) == [2000, 5000]
        assert await balance(core, held.mentor_id) == earned
        assert await invariants(core.db) == []

        await admin.say(f"/admin refund {held.booking_id} Goodwill")
        assert "Refunded ₹80" in admin.text()
        assert await invariants(core.db) == []
    finally:
        await admin.close()


async def test_a_web_visitor_is_refused_the_money_commands(
    server: TestServer, settings: Settings
) -> None:
    core: CoreApp = server.app[CORE]
    s = await session(core, sandbox_pay(core))
    visitor = await _chat(server, settings, None)
    try:
        for command in (
            "/admin disputes",
            f"/admin decide {s.booking_id} learner no",
            f"/admin refund {s.booking_id} all of it",
        ):
            await visitor.say(command)
            assert "Only admins" in visitor.text(), command
        assert await status_of(core, s.booking_id) == "disputed"
    finally:
        await visitor.close()
