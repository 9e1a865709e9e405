"""The paid-session journey through the web chat, from the app factory over real HTTP:
book → sandbox pay → accept → reminder → complete → rate → wallet ₹70 mentor, ₹30 platform."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bots.web.identity import login_token
from core.booking.tables import Booking
from core.clock import ManualClock
from core.ledger.ledger import Ledger
from core.ledger.tables import LedgerAccount
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.e2e.webclient import WebChatClient
from tests.pay_support import pay_form
from tests.support import answer_age

START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday 11:30 in Pune


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def server(tmp_path: Path, clock: ManualClock) -> AsyncIterator[TestServer]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/journey.db",
        data_dir=tmp_path,
        secret_key="journey-secret",  # type: ignore[arg-type]
        admins=["web:admin"],
        tick_seconds=0,  # the test moves time itself and ticks by hand
    )
    srv = TestServer(create_app(settings, clock=clock), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def pushed(c: WebChatClient, want: str) -> dict[str, Any]:
    """Wait (at most 10 s) for a message the server pushes on its own (a notification)."""
    assert c.ws is not None
    async with asyncio.timeout(10):
        while True:
            msg = await c.ws.receive_json()
            if msg.get("type") == "message" and want in msg["text"]:
                c.last = [msg]
                return msg


def link(msg: dict[str, Any], label: str) -> str:
    for row in msg["buttons"]:
        for b in row:
            if "url" in b and label in b["label"]:
                return str(b["url"])
    raise AssertionError(f"no link {label!r} in {msg['buttons']}")


async def test_paid_session_end_to_end(server: TestServer, clock: ManualClock) -> None:
    url = str(server.make_url("")).rstrip("/")
    core = server.app[CORE]
    secret = b"journey-secret"
    admin = WebChatClient(url)
    await admin.open(f"/login?token={login_token(secret, 'admin')}")

    mentor = WebChatClient(url)
    await mentor.open(f"/login?token={login_token(secret, 'anita')}")
    mentor.last = [m for m in mentor.messages if m["role"] == "bot"]
    await mentor.press("Mentor")
    await mentor.say("Anita Desai")
    await answer_age(mentor)
    await mentor.say("Kubernetes: advanced")
    await mentor.say("English")
    await mentor.say("Pune")
    await mentor.press("Weekday evenings")
    await mentor.say("SRE at Razorpay · Kubernetes")
    await mentor.say("I run production clusters and love helping people debug deployments.")
    await mentor.say("6")
    await mentor.press("₹100")
    await mentor.press("10, 20")
    await mentor.press("Skip")
    await pushed(admin, "New mentor application")
    await admin.press("Approve")

    learner = WebChatClient(url)
    first = await learner.open()
    learner.last = [m for m in first if m["role"] == "bot"]
    await learner.press("Learn")
    await learner.say("Bharat")
    await answer_age(learner)
    await learner.say("kubernetes")
    await learner.press("Beginner")
    await learner.press("Skip")
    await learner.press("English")
    await learner.say("Mumbai")
    await learner.press("Skip")
    await learner.say("/find kubernetes")
    await learner.press("Anita")
    await learner.press("Book a session")
    await learner.press("10 min")
    await learner.press("Mon 23 Nov")
    await learner.press("18:00")
    await learner.say("Helm chart won't install")
    replies = await learner.press("Send request")
    assert any("Your request to Anita Desai" in m["text"] for m in replies)
    # Links carry MENTORBOT_PUBLIC_URL; this server listens on a random port instead.
    pay_url = url + urlsplit(link(learner.last[-1], "Pay ₹100")).path

    # Sandbox checkout: the same webhook path as Razorpay.
    async with aiohttp.ClientSession() as http:
        async with http.get(pay_url) as r:
            assert r.status == 200 and "SANDBOX" in await r.text()
        data, headers = await pay_form(http, pay_url, outcome="pay")
        async with http.post(pay_url + "/sandbox", data=data, headers=headers) as r:
            assert r.status == 200 and "Paid" in await r.text()
    await pushed(learner, "Payment received")

    await pushed(mentor, "Session request")
    await mentor.press("Accept")
    confirmed = await pushed(learner, "Confirmed")
    assert confirmed["attachment"] is not None
    assert confirmed["attachment"]["filename"].endswith(".ics")

    report = await core.tick()
    assert report.reminded == 1
    await pushed(learner, "starts within 24 h")
    clock.advance(timedelta(hours=6, minutes=20))  # 12:20 UTC, 10 min before the start
    assert (await core.tick()).reminded == 1
    await pushed(mentor, "in 15 min or less")

    clock.advance(timedelta(minutes=40))
    assert (await core.tick()).completed == 1
    await pushed(learner, "How was your session")
    await learner.press("★★★★★")
    await learner.say("Fixed my Helm chart in 10 minutes")
    await pushed(mentor, "How was your session")
    await mentor.press("★★★★")
    await mentor.press("Skip")

    await mentor.say("/wallet")
    assert "₹70" in mentor.text()
    # The learner's wallet lists their card payment and its release to the mentor.
    await learner.say("/wallet")
    assert "−₹100 · Paid by card for session #" in learner.text()
    assert "₹70 · Released from your hold to the mentor" in learner.text()
    assert "₹30 · Platform fee" in learner.text()
    async with core.db.transaction() as s:
        ledger = Ledger(s, clock.now())
        await ledger.check_invariants()
        revenue = await s.scalar(
            select(LedgerAccount.balance).where(
                LedgerAccount.kind == "platform_revenue", LedgerAccount.currency == "INR"
            )
        )
        booking = await s.scalar(select(Booking))
    assert revenue == 3000
    assert booking is not None and booking.status == "completed" and booking.pay_state == "paid"
    for c in (admin, mentor, learner):
        await c.close()
