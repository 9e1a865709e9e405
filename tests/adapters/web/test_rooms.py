"""A community's web room at /c/{slug} (issue #15), from the app factory over real HTTP and
WebSockets: reading, joining, writing, live messages from a linked platform, history in pages,
shared files served safely, invite-only rooms hidden."""

from __future__ import annotations

import asyncio
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
from core.ports import ChatRef
from core.services.relay import Upload
from core.signing import Keys
from mentorbot.app import CORE, SETTINGS, create_app
from mentorbot.settings import Settings
from tests.relay_support import RecordingBridge

TG = ChatRef("telegram", "telegram", "-100")
OM = Actor("telegram", "telegram", "707", "Om")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/rooms.db",
        data_dir=tmp_path,
        secret_key="rooms-secret",  # type: ignore[arg-type]
        tick_seconds=0,
    )
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def community(core: CoreApp, name: str, visibility: str = "public") -> str:
    async with core.uow() as u:
        owner, _ = await u.identity.resolve(Actor("console", "console", "owner", "Owner"))
        c = await u.communities.create(owner, name, "<b>About</b> us", [], visibility)
        found = await u.communities.by_code(c.invite_code)
        assert found is not None
        owner.is_admin = True
        await u.relay.link(owner, found, TG, "Study group")
        return c.slug


class Room:
    def __init__(self, srv: TestServer, slug: str) -> None:
        self.base = str(srv.make_url("")).rstrip("/")
        self.slug = slug
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.seen: list[dict[str, Any]] = []

    async def open(self) -> dict[str, Any]:
        async with self.http.get(f"{self.base}/c/{self.slug}") as r:
            assert r.status == 200
            await r.text()
        self.ws = await self.http.ws_connect(
            f"{self.base.replace('http', 'ws')}/c/{self.slug}/ws", headers={"Origin": self.base}
        )
        hello = await self.ws.receive_json(timeout=10)
        assert hello["type"] == "room"
        await self.until("done")
        return hello

    async def until(self, kind: str, **match: Any) -> dict[str, Any]:
        assert self.ws is not None
        while True:
            m = await self.ws.receive_json(timeout=10)
            if m["type"] == "message":
                self.seen.append(m)
            if m["type"] == kind and all(m.get(k) == v for k, v in match.items()):
                return m

    async def send(self, frame: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.send_json(frame)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self.http.close()


async def test_read_join_write_and_see_telegram_live(server: TestServer) -> None:
    core: CoreApp = server.app[CORE]
    slug = await community(core, "Rust <Learners>")
    telegram = RecordingBridge("telegram")
    core.relay.register(telegram)
    room = Room(server, slug)
    try:
        async with room.http.get(f"{room.base}/c/{slug}") as r:
            page = await r.text()
            assert "Rust &lt;Learners&gt;" in page and "&lt;b&gt;About&lt;/b&gt; us" in page
            assert "script-src 'self'" in r.headers["Content-Security-Policy"]
        hello = await room.open()
        assert hello["member"] is False and hello["joinable"] is True
        await room.send({"type": "say", "text": "hi"})
        refused = await room.until("error")
        assert "Join the community" in refused["text"]
        await room.send({"type": "join"})
        joined = await room.until("room")
        assert joined["member"] is True and joined["members"] == 2
        await room.send({"type": "say", "text": "hello <script>alert(1)</script> *all* @here"})
        mine = await room.until("message")
        # The room's markup subset is formatting; anything else is text, escaped.
        assert mine["html"] == "hello &lt;script&gt;alert(1)&lt;/script&gt; <b>all</b> @\u2060here"
        assert mine["platform"] == "Web"
        # The copy reaches the linked Telegram group (the bridge runs in the background).
        for _ in range(100):
            if telegram.texts("-100"):
                break
            await asyncio.sleep(0.05)
        (copy,) = telegram.texts("-100")
        assert copy.endswith("· Web\nhello <script>alert(1)</script> *all* @\u2060here")
        # Om writes in the Telegram group, replying to that copy: live in the room.
        (copy_id,) = telegram.chats["-100"]
        assert await core.relay_said(OM, TG, "55", "welcome!", reply_to=copy_id)
        live = await room.until("message", author="Om")
        assert live["platform"] == "Telegram" and live["reply_to"] == mine["id"]
        await core.relay_edited(TG, "55", "welcome, friend!")
        edited = await room.until("message", id=live["id"])
        assert edited["edited"] and "friend" in edited["html"]
    finally:
        await room.close()


async def test_history_comes_in_pages(server: TestServer) -> None:
    core: CoreApp = server.app[CORE]
    slug = await community(core, "Busy Room")
    for n in range(60):
        await core.relay_said(OM, TG, str(n), f"message {n}")
    room = Room(server, slug)
    try:
        await room.open()
        assert [m["html"] for m in room.seen] == [f"message {n}" for n in range(10, 60)]
        first = room.seen[0]["id"]
        async with room.http.get(f"{room.base}/c/{slug}/messages?before={first}") as r:
            page = await r.json()
        assert [m["html"] for m in page["messages"]] == [f"message {n}" for n in range(10)]
        assert page["more"] is False
        async with room.http.get(f"{room.base}/c/{slug}/messages?before=zz") as r:
            assert r.status == 200 and len((await r.json())["messages"]) == 50
    finally:
        await room.close()


async def test_shared_files_are_served_safely(server: TestServer) -> None:
    core: CoreApp = server.app[CORE]
    slug = await community(core, "Files Room")
    await core.relay_said(OM, TG, "1", "diagram", upload=Upload("d.png", "image/png", PNG))
    await core.relay_said(
        OM, TG, "2", "", upload=Upload("evil.html", "text/html", b"<script>alert(1)</script>")
    )
    room = Room(server, slug)
    try:
        await room.open()
        image, page = (m["file"] for m in room.seen)
        assert image["kind"] == "image" and page["kind"] == "file"
        async with room.http.get(room.base + image["url"]) as r:
            assert r.status == 200 and r.content_type == "image/png" and await r.read() == PNG
            assert r.headers["X-Content-Type-Options"] == "nosniff"
        async with room.http.get(room.base + page["url"]) as r:
            assert r.content_type == "application/octet-stream"
            assert r.headers["Content-Disposition"].startswith("attachment")
        for bad in ("/files/1/wrong", "/files/x/y", "/files/999/abc", "/files/1/%C3%A9"):
            async with room.http.get(room.base + bad) as r:
                assert r.status == 404, bad
    finally:
        await room.close()


async def test_invite_only_and_unknown_rooms_are_not_found(server: TestServer) -> None:
    core: CoreApp = server.app[CORE]
    slug = await community(core, "Hidden Club", "invite")
    base = str(server.make_url("")).rstrip("/")
    async with aiohttp.ClientSession() as http:
        for path in (f"/c/{slug}", "/c/no-such-room", f"/c/{slug}/messages", "/c/" + "x" * 60):
            async with http.get(base + path) as r:
                assert r.status == 404, path


async def test_moderating_from_the_web_room(server: TestServer) -> None:
    core: CoreApp = server.app[CORE]
    slug = await community(core, "Moderated Room")
    await core.relay_said(OM, TG, "1", "buy my course!!!")
    mod, member = Room(server, slug), Room(server, slug)
    try:
        await member.open()
        await member.send({"type": "join"})
        assert (await member.until("room"))["member"] is True
        spam = member.seen[0]["id"]
        await member.send({"type": "report", "id": spam, "reason": "spam"})
        assert "moderators will look" in (await member.until("notice"))["text"]
        await member.send({"type": "delete", "id": spam})
        assert "Only the community's owners" in (await member.until("notice"))["text"]

        await mod.open()
        await mod.send({"type": "join"})
        await mod.until("room")
        await make_moderator(core, mod, server.app[SETTINGS].signing_keys())
        assert mod.ws is not None
        await mod.ws.close()
        hello = await mod.open()  # the same browser, reconnected
        assert hello["moderator"] is True
        await mod.send({"type": "ban", "id": spam, "reason": "spam"})
        assert (await mod.until("notice"))["text"] == "Om is banned."
        gone = await member.until("message", id=spam)
        assert gone["deleted"] is True and gone["html"] == ""
        assert not await core.relay_said(OM, TG, "2", "again!")
    finally:
        await mod.close()
        await member.close()


async def make_moderator(core: CoreApp, room: Room, keys: Keys) -> None:
    """The web guest behind this room's browser becomes a moderator of its community."""
    from sqlalchemy import update

    from core.db.communities import CommunityMember

    cookie = room.http.cookie_jar.filter_cookies(URL(room.base))["mb_web"].value
    web_id = read_cookie(keys, cookie)
    assert web_id is not None
    async with core.uow() as u:
        user = await u.identity.find(Actor("web", "web", web_id, "x"))
        assert user is not None
        await u.session.execute(
            update(CommunityMember)
            .where(CommunityMember.user_id == user.id)
            .values(role="moderator")
        )
