"""The read-only admin dashboard at /admin (issue 17): charts and sortable tables for an admin
signed in by the login link; everyone else refused (no session, forged, expired, not admin)."""

from __future__ import annotations

import base64
import io
import re
import time
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from PIL import Image as PILImage
from sqlalchemy import update

from bots.web.admin_pages import COOKIE, session_cookie
from bots.web.identity import login_token
from core.db.schema import User
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.e2e.webclient import WebChatClient
from tests.unit.test_admin_stats import seed_known


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/dash.db",
        data_dir=tmp_path,
        secret_key="dashboard-secret",  # type: ignore[arg-type]
        admins=["web:admin"],
        match_model="none",
        tick_seconds=0,
    )


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def _chat_once(base: str, settings: Settings, who: str) -> None:
    """The web account exists once its owner has opened the chat by the login link."""
    client = WebChatClient(base)
    try:
        await client.open(f"/login?token={login_token(settings.secret(), who)}")
    finally:
        await client.close()


async def test_admin_sees_charts_and_sorted_tables(server: TestServer, settings: Settings) -> None:
    base = str(server.make_url("")).rstrip("/")
    await _chat_once(base, settings, "admin")
    core = server.app[CORE]
    await seed_known(core, core.deps.clock.now())
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        token = login_token(settings.secret(), "admin")
        async with http.get(f"{base}/admin/login?token={token}") as resp:
            assert resp.status == 200 and resp.url.path == "/admin"
            page = await resp.text()
            csp = resp.headers["Content-Security-Policy"]
        assert "script" not in page.casefold() and "script-src" not in csp
        assert "Funnel: 10 searches → 6 profile views (60%)" in page
        imgs = re.findall(r'<img src="data:image/png;base64,([^"]+)" alt="([^"]+)"', page)
        assert len(imgs) == 7
        for data, alt in imgs:
            assert alt
            with PILImage.open(io.BytesIO(base64.b64decode(data))) as img:
                assert img.format == "PNG"
        async with http.get(f"{base}/admin/bookings?sort=status&dir=desc") as resp:
            assert resp.status == 200
            table = await resp.text()
        cells = re.findall(r"<tr>(.*?)</tr>", table)
        statuses = [re.findall(r"<td>(.*?)</td>", c)[3] for c in cells]
        assert statuses == sorted(statuses, reverse=True) and len(statuses) == 8
        assert 'aria-sort="descending"' in table
        async with http.get(f"{base}/admin/people?sort=display_name") as resp:
            people = await resp.text()
        names = [re.findall(r"<td>(.*?)</td>", c)[1] for c in re.findall(r"<tr>(.*?)</tr>", people)]
        assert names == sorted(names) and "Lena" in names
        # Taking the admin right away ends the dashboard at once.
        async with core.db.transaction() as s:
            await s.execute(update(User).values(is_admin=False))
        async with http.get(f"{base}/admin") as resp:
            assert resp.status == 403


async def test_everyone_else_is_refused(server: TestServer, settings: Settings) -> None:
    base = str(server.make_url("")).rstrip("/")
    await _chat_once(base, settings, "mallory")
    await _chat_once(base, settings, "admin")
    keys = server.app[CORE].deps.signing_keys
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        for path in ("/admin", "/admin/people", "/admin/payments", "/admin/bookings"):
            async with http.get(base + path) as resp:
                assert resp.status == 401, path
                assert "Funnel" not in await resp.text()
        token = login_token(settings.secret(), "mallory")
        async with http.get(f"{base}/admin/login?token={token}") as resp:
            assert resp.status == 403
        async with http.get(f"{base}/admin/login?token=forged.token") as resp:
            assert resp.status == 403
        expired = login_token(settings.secret(), "admin", now=time.time() - 7200)
        async with http.get(f"{base}/admin/login?token={expired}") as resp:
            assert resp.status == 403
    cases = {
        "forged": "W1wiYWRtaW5cIiwgOTk5OTk5OTk5OV0.forged",
        "expired": session_cookie(keys, "admin", now=time.time() - 9 * 3600),
        "not an admin": session_cookie(keys, "mallory"),
        "no such account": session_cookie(keys, "nobody"),
    }
    for case, cookie in cases.items():
        async with (
            aiohttp.ClientSession(cookies={COOKIE: cookie}) as http,
            http.get(base + "/admin/bookings") as resp,
        ):
            assert resp.status in (401, 403), case
            assert "<table" not in await resp.text(), case
