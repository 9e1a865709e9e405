"""Signed tokens over real HTTP: garbage and non-ASCII are a 4xx (never a 500), a bad cookie
is no cookie, tokens issued before core.signing keep working, a feed URL can be reset."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from yarl import URL

from core.booking.feed import reset_feed
from core.calendar import feed_token
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.e2e.test_pages import NOW, _confirmed_booking

SECRET = "tokens-secret"


def _old_sig(message: str, size: int, key: bytes = SECRET.encode()) -> str:
    # How tokens were signed before core.signing: these stand for links already handed out.
    mac = hmac.new(key, message.encode(), hashlib.sha256).digest()[:size]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    from core.clock import ManualClock

    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/tokens.db",
        data_dir=tmp_path,
        secret_key=SECRET,  # type: ignore[arg-type]
    )
    srv = TestServer(create_app(settings, clock=ManualClock(NOW)), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@pytest.mark.parametrize(
    "path",
    [
        "/calendar/1-%C3%A9.ics",
        "/calendar/%C3%A9.ics",
        "/calendar/1-0.%C3%A9.ics",
        "/room/1.2.m.%C3%A9",
        "/room/%C3%A9",
        "/room/1.2.m.%C3%A9/recordings",
        "/pay/%C3%A9",
        "/login?token=%C3%A9.%C3%A9",
    ],
)
async def test_non_ascii_tokens_are_refused_not_crashed(server: TestServer, path: str) -> None:
    url = server.make_url(URL(path, encoded=True))
    async with aiohttp.ClientSession() as http, http.get(url) as resp:
        assert 400 <= resp.status < 500, (path, resp.status)


async def test_a_bad_cookie_is_no_cookie(server: TestServer) -> None:
    async with aiohttp.ClientSession() as http:
        for bad in ("abc.é", "abc.def", "é", "x" * 3000):
            headers = {"Cookie": f"mb_web={bad}"}
            async with http.get(server.make_url("/chat"), headers=headers) as resp:
                assert resp.status == 200, bad
                assert "mb_web" in resp.cookies, bad  # a fresh identity, not a locked door


async def test_links_and_cookies_issued_before_still_work(server: TestServer) -> None:
    core = server.app[CORE]
    booking_id, _mentor, learner = await _confirmed_booking(core)
    feed = f"{learner}-{_old_sig(f'calendar:{learner}', 15)}"
    room = f"{booking_id}.{learner}.l.{_old_sig(f'room:{booking_id}:{learner}:l', 15)}"
    cookie = f"guestABCDEF12345.{_old_sig('cookie:guestABCDEF12345', 18)}"
    async with aiohttp.ClientSession() as http:
        async with http.get(server.make_url(f"/calendar/{feed}.ics")) as resp:
            assert resp.status == 200 and resp.content_type == "text/calendar"
        async with http.get(server.make_url(f"/room/{room}")) as resp:
            assert resp.status == 200 and "Session with Meera" in await resp.text()
        async with http.get(server.make_url("/chat"), headers={"Cookie": f"mb_web={cookie}"}) as r:
            assert r.status == 200
            assert "mb_web" not in r.cookies  # the guest keeps their identity


async def test_resetting_the_feed_retires_every_earlier_url(server: TestServer) -> None:
    core = server.app[CORE]
    _booking_id, _mentor, learner = await _confirmed_booking(core)
    legacy = f"{learner}-{_old_sig(f'calendar:{learner}', 15)}"
    current = feed_token(core.signing_keys, learner)
    async with core.db.transaction() as s:
        version = await reset_feed(s, learner)
    fresh = feed_token(core.signing_keys, learner, version)
    async with aiohttp.ClientSession() as http:
        for gone in (legacy, current):
            async with http.get(server.make_url(f"/calendar/{gone}.ics")) as resp:
                assert resp.status == 404
        async with http.get(server.make_url(f"/calendar/{fresh}.ics")) as resp:
            assert resp.status == 200 and resp.content_type == "text/calendar"
