"""Direct messages on the web at /messages (issue #16): the thread list, the thread page live
over a real WebSocket, "seen", uploads typed by content (Content-Disposition: attachment for
anything not an image or audio), and nobody else's thread."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from yarl import URL

from bots.web.identity import read_cookie
from core.app import CoreApp
from core.messaging import Actor
from mentorbot.app import CORE, SETTINGS, create_app
from mentorbot.settings import Settings
from tests.dm_support import PNG, booked, person
from tests.relay_support import RecordingBridge

ASHA = Actor("telegram", "telegram", "707", "Asha")


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/dms.db",
        data_dir=tmp_path,
        secret_key="dms-secret",  # type: ignore[arg-type]
        tick_seconds=0,
    )
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def until(
    ws: aiohttp.ClientWebSocketResponse, kind: str, seen: list[dict[str, Any]]
) -> dict[str, Any]:
    for _ in range(200):
        m = await ws.receive_json(timeout=10)
        if m["type"] == "message":
            seen.append(m)
        if m["type"] == kind:
            return m
    raise AssertionError(f"no {kind}")


async def test_messages_pages_live_thread_seen_and_uploads(server: TestServer) -> None:
    core: CoreApp = server.app[CORE]
    telegram = RecordingBridge("telegram")
    core.relay.register(telegram)
    base = str(server.make_url("")).rstrip("/")
    http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
    try:
        async with http.get(f"{base}/chat") as r:
            assert r.status == 200
        cookie = http.cookie_jar.filter_cookies(URL(base))["mb_web"].value
        web_id = read_cookie(server.app[SETTINGS].secret(), cookie)
        assert web_id is not None
        meera = await person(core, Actor("web", "web", web_id, "Meera"), mentor=True)
        asha = await person(core, ASHA)
        await booked(core, asha, meera)
        async with core.uow() as u:
            me = await u.identity.find(Actor("web", "web", web_id, "x"))
            assert me is not None
            thread = (await u.dms.open(me, asha)).id
        assert await core.dm_said(ASHA, thread, "9", "hello from <telegram>") is None

        async with http.get(f"{base}/messages") as r:
            page = await r.text()
            assert r.status == 200 and "Asha" in page and "1 new" in page
            assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        async with http.get(f"{base}/messages/{thread}") as r:
            page = await r.text()
            assert r.status == 200 and "/static/dm.js" in page and 'name="viewport"' in page
        async with http.get(f"{base}/messages/{thread + 1}") as r:
            assert r.status == 404

        seen: list[dict[str, Any]] = []
        ws = await http.ws_connect(
            f"{base.replace('http', 'ws')}/messages/{thread}/ws", headers={"Origin": base}
        )
        assert (await until(ws, "thread", seen))["name"] == "Asha"
        await until(ws, "done", seen)
        assert [m["html"] for m in seen] == ["hello from &lt;telegram&gt;"]
        # Opening the page saw it: the list no longer counts it new.
        async with http.get(f"{base}/messages") as r:
            assert "1 new" not in await r.text()

        # Live: Asha writes on Telegram, the page shows it; Meera answers from the page.
        await core.dm_said(ASHA, thread, "10", "are you there?")
        live = await until(ws, "message", seen)
        assert live["html"] == "are you there?" and live["platform"] == "Telegram"
        await ws.send_json({"type": "say", "text": "yes!", "reply_to": live["id"]})
        mine = await until(ws, "message", seen)
        assert mine["html"] == "yes!" and mine["reply_to"] == live["id"]
        await core.relay.drain()
        [copy] = telegram.chats["707"].values()
        assert copy.text == "✉️ *Meera*\nyes!" and copy.reply_to == "10"

        # Meera edits, then deletes, her own message: the page and Asha's copy follow.
        assert mine["mine"] is True and live["mine"] is False
        await ws.send_json({"type": "edit", "id": mine["id"], "text": "yes, here!"})
        edited = await until(ws, "message", seen)
        assert edited["id"] == mine["id"] and edited["edited"] and edited["html"] == "yes, here!"
        await core.relay.drain()
        assert copy.text == "✉️ *Meera*\nyes, here!"
        await ws.send_json({"type": "delete", "id": mine["id"]})
        gone = await until(ws, "message", seen)
        assert gone["id"] == mine["id"] and gone["deleted"] and gone["html"] == ""
        await core.relay.drain()
        assert telegram.chats["707"] == {}
        # Asha's message isn't hers to change.
        await ws.send_json({"type": "delete", "id": live["id"]})
        assert "only your own" in (await until(ws, "error", seen))["text"]

        # Uploads: an image shows inline; a program named .pdf is typed by content and
        # downloads as an attachment.
        for name, data in (("shot.png", PNG), ("notes.pdf", b"MZ\x90\x00" + bytes(64))):
            form = aiohttp.FormData()
            form.add_field("file", data, filename=name, content_type="application/pdf")
            async with http.post(
                f"{base}/messages/{thread}/upload", data=form, headers={"Origin": base}
            ) as r:
                assert r.status == 200, await r.text()
        img = await until(ws, "message", seen)
        exe = await until(ws, "message", seen)
        assert img["file"]["kind"] == "image" and exe["file"]["kind"] == "file"
        async with http.get(base + img["file"]["url"]) as r:
            assert r.headers["Content-Type"] == "image/png"
        async with http.get(base + exe["file"]["url"]) as r:
            assert r.headers["Content-Disposition"].startswith("attachment")
            assert r.headers["Content-Type"] == "application/octet-stream"
        # A cross-site upload is refused.
        form = aiohttp.FormData()
        form.add_field("file", PNG, filename="x.png")
        async with http.post(
            f"{base}/messages/{thread}/upload", data=form, headers={"Origin": "http://evil.example"}
        ) as r:
            assert r.status == 403
        await ws.close()
    finally:
        await http.close()
