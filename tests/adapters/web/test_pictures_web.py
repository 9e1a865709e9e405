"""Issue 18 on the web, from the app factory over real HTTP: a photo uploaded from the chat
page's 📷 button becomes the profile picture, served at /avatars/… as a JPEG that can't be
sniffed into anything else; a disguised file is refused in the chat; a mentor under 18 is on
no public page."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from PIL import Image
from sqlalchemy import select

from bots.web.render import message_json
from core.db.trust import UserTrust
from core.dialogs.profile import Edit
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.adapters.web.test_posts_pages import entries, get, publish
from tests.picture_support import HTML_AS_PNG, SPY, image_bytes

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/pictures.db",
        data_dir=tmp_path,
        secret_key="pictures-secret",
        tick_seconds=0,
    )
    from core.clock import ManualClock

    srv = TestServer(create_app(settings, clock=ManualClock(NOW)), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def _until_done(ws: aiohttp.ClientWebSocketResponse) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(10):
        while True:
            m = await ws.receive_json()
            got.append(m)
            if m.get("type") == "done":
                return got


async def _messages_until(ws: aiohttp.ClientWebSocketResponse, words: str) -> list[dict[str, Any]]:
    got: list[dict[str, Any]] = []
    async with asyncio.timeout(10):
        while not any(words in (m.get("text") or "") for m in got):
            got.append(await ws.receive_json())
    return got


async def _upload(
    http: aiohttp.ClientSession, srv: TestServer, data: bytes, name: str, mime: str
) -> int:
    form = aiohttp.FormData()
    form.add_field("file", data, filename=name, content_type=mime)
    async with http.post(srv.make_url("/chat/upload"), data=form) as r:
        return r.status


async def test_a_photo_uploaded_in_the_web_chat_is_the_profile_picture(
    server: TestServer, tmp_path: Path
) -> None:
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(server.make_url("/chat")) as r:
            assert r.status == 200
            assert 'data-testid="photo"' in await r.text()  # the 📷 button's file input
        async with http.ws_connect(server.make_url("/ws")) as ws:
            await ws.send_json({"type": "hello", "last_seq": 0})
            await _until_done(ws)
            await ws.send_json({"type": "action", "payload": Edit("photo").pack()})
            said = await _until_done(ws)
            assert any("send a photo for your profile" in (m.get("text") or "") for m in said)
            # An HTML page named .png: refused in the chat, by its content.
            assert await _upload(http, server, HTML_AS_PNG, "cat.png", "image/png") == 200
            got = await _messages_until(ws, "isn't a picture I can read")
            assert any(m.get("text") == "📷 cat.png" for m in got)  # the person's own bubble
            jpeg = image_bytes("JPEG", (900, 700), exif=True)
            assert await _upload(http, server, jpeg, "me.jpg", "image/jpeg") == 200
            await _messages_until(ws, "Photo saved")
    core = server.app[CORE]
    async with core.db.transaction() as s:
        name = await s.scalar(select(UserTrust.avatar).where(UserTrust.avatar.is_not(None)))
    assert name is not None
    assert (tmp_path / "avatars" / f"{name}-thumb.jpg").is_file()  # under the data folder
    for size, side in (("thumb", 128), ("large", 512)):
        async with (
            aiohttp.ClientSession() as anon,
            anon.get(server.make_url(f"/avatars/{name}-{size}.jpg")) as r,
        ):
            assert r.status == 200
            assert r.headers["Content-Type"] == "image/jpeg"
            assert r.headers["X-Content-Type-Options"] == "nosniff"
            body = await r.read()
        assert Image.open(io.BytesIO(body)).size == (side, side)
        assert SPY.encode() not in body
    for bad in (f"/avatars/{name}-original.jpg", "/avatars/short-thumb.jpg", "/avatars/x.jpg"):
        assert (await get(server, bad))[0] == 404


async def test_an_upload_without_the_chat_cookie_or_from_another_site_is_refused(
    server: TestServer,
) -> None:
    async with aiohttp.ClientSession() as http:
        assert await _upload(http, server, image_bytes("PNG"), "a.png", "image/png") == 401
    jar = aiohttp.CookieJar(unsafe=True)
    async with aiohttp.ClientSession(cookie_jar=jar) as http:
        async with http.get(server.make_url("/chat")):
            pass
        form = aiohttp.FormData()
        form.add_field("file", image_bytes("PNG"), filename="a.png", content_type="image/png")
        async with http.post(
            server.make_url("/chat/upload"), data=form, headers={"Origin": "https://evil.test"}
        ) as r:
            assert r.status == 403


async def test_a_mentor_under_18_is_on_no_public_page(server: TestServer) -> None:
    core = server.app[CORE]
    post_id, mentor_id, slug = await publish(core, "Loops for beginners")
    assert (await get(server, f"/posts/{post_id}"))[0] == 200
    assert len(entries((await get(server, f"/c/{slug}/posts.atom"))[1])) == 1
    async with core.uow() as u:
        await u.trust.set_age_band(mentor_id, "under18")
    assert (await get(server, f"/posts/{post_id}"))[0] == 404
    assert (await get(server, f"/mentors/{mentor_id}/posts.atom"))[0] == 404
    status, feed, _ = await get(server, f"/c/{slug}/posts.atom")
    assert status == 200 and entries(feed) == [] and "Loops for beginners" not in feed


def test_the_chat_page_gets_the_photo_of_a_card_and_of_a_profile() -> None:
    """What chat.js draws as <img>: a card's `picture` and a profile's `picture`, paths on
    this server only (an address elsewhere in the meta is dropped)."""
    from core.messaging import AVATAR, Card, Reply, with_cards
    from core.services.transcript import Entry

    pic = "/avatars/" + "b" * 32 + "-thumb.jpg"
    results = with_cards(Reply("*Best matches*\n1. Meera"), [Card("Meera", image=pic)], "x")
    out = message_json(Entry(1, "bot", results, NOW))
    assert out["cards"][0]["picture"] == pic
    large = pic.replace("thumb", "large")
    assert (
        message_json(Entry(2, "bot", Reply("p", meta=((AVATAR, large),)), NOW))["picture"] == large
    )
    hostile = Reply("p", meta=((AVATAR, "https://evil.test/track.gif"),))
    assert message_json(Entry(3, "bot", hostile, NOW))["picture"] == ""
