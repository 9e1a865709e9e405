"""Mentor posts on the web (issue #15 item 5), from the app factory over real HTTP: the public
page /posts/{id} escaped and locked down, the Atom feeds per mentor and per community parsed
as XML (also with a hostile title), and a deleted post gone from both."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select

from core.app import CoreApp
from core.clock import ManualClock
from core.db.schema import Skill, User
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.booking_support import add_mentor

NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
A = "{http://www.w3.org/2005/Atom}"
HOSTILE = '</title><script>alert(1)</script> & "q" ]]> \uffff <![CDATA[x'
BODY = "Hello *world*. <img src=x onerror=alert(2)> [site](javascript:alert(3)) more words."


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/posts.db",
        data_dir=tmp_path,
        secret_key="posts-secret",  # type: ignore[arg-type]
        tick_seconds=0,
    )
    srv = TestServer(create_app(settings, clock=ManualClock(NOW)), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def publish(core: CoreApp, title: str) -> tuple[int, int, str]:
    """A mentor who owns a public community publishes a post: (post id, mentor id, slug)."""
    async with core.uow() as u:
        mentor_id = await add_mentor(u.session, "Meera <b>", NOW)
        mentor = await u.session.get(User, mentor_id)
        assert mentor is not None
        python = await u.session.scalar(select(Skill.id).where(Skill.name == "Python"))
        assert python is not None
        c = await u.communities.create(mentor, "Python Learners", "About", [python])
        post, told = await u.posts.publish(mentor, title, BODY, [python])
        assert told == 1
        return post.id, mentor_id, c.slug


async def get(srv: TestServer, path: str) -> tuple[int, str, aiohttp.typedefs.LooseHeaders]:
    async with aiohttp.ClientSession() as http, http.get(srv.make_url(path)) as r:
        return r.status, await r.text(), r.headers


def entries(feed: str) -> list[ET.Element]:
    root = ET.fromstring(feed.encode())
    assert root.tag == f"{A}feed"
    for tag in ("id", "title", "updated"):
        assert root.find(f"{A}{tag}") is not None and root.findtext(f"{A}{tag}")
    return root.findall(f"{A}entry")


async def test_post_page_is_escaped_and_locked_down(server: TestServer) -> None:
    core = server.app[CORE]
    post_id, _, _ = await publish(core, "Comprehensions <b>briefly</b>")
    status, page, headers = await get(server, f"/posts/{post_id}")
    assert status == 200
    assert "<h1>Comprehensions &lt;b&gt;briefly&lt;/b&gt;</h1>" in page
    assert "by Meera &lt;b&gt;" in page and "Python" in page
    assert "Hello <b>world</b>." in page  # the markup subset, rendered
    assert "<img" not in page and 'href="javascript' not in page
    assert "[site](javascript:alert(3))" in page  # not a link: shown as typed
    assert "&lt;img src=x onerror=alert(2)&gt;" in page
    assert "default-src 'none'" in headers["Content-Security-Policy"]  # type: ignore[index]
    assert headers["X-Content-Type-Options"] == "nosniff"  # type: ignore[index]
    for bad in ("/posts/999", "/posts/abc", "/posts/99999999999999999999"):
        assert (await get(server, bad))[0] == 404


async def test_both_feeds_are_atom_with_the_entry_even_with_a_hostile_title(
    server: TestServer,
) -> None:
    core = server.app[CORE]
    post_id, mentor_id, slug = await publish(core, HOSTILE)
    base = core.deps.policies.public_url.rstrip("/")
    for path in (f"/mentors/{mentor_id}/posts.atom", f"/c/{slug}/posts.atom"):
        status, feed, headers = await get(server, path)
        assert status == 200
        assert headers["Content-Type"].startswith("application/atom+xml")  # type: ignore[index]
        (entry,) = entries(feed)
        assert entry.findtext(f"{A}id") == f"{base}/posts/{post_id}"
        assert entry.findtext(f"{A}title") == HOSTILE.replace("\uffff", "")
        assert entry.findtext(f"{A}updated") == NOW.isoformat()
        assert entry.findtext(f"{A}author/{A}name") == "Meera <b>"
        link = entry.find(f"{A}link")
        assert link is not None and link.get("rel") == "alternate"
        assert link.get("href") == f"{base}/posts/{post_id}"
        content = entry.find(f"{A}content")
        assert content is not None and content.get("type") == "html"
        assert "<b>world</b>" in (content.text or "")
        assert "<img" not in (content.text or "")
    assert (await get(server, "/mentors/999/posts.atom"))[0] == 404
    assert (await get(server, "/c/nope/posts.atom"))[0] == 404


async def test_a_deleted_post_leaves_page_and_feeds(server: TestServer) -> None:
    core = server.app[CORE]
    post_id, mentor_id, slug = await publish(core, "Soon gone")
    async with core.uow() as u:
        mentor = await u.session.get(User, mentor_id)
        assert mentor is not None
        assert await u.posts.delete(mentor, post_id) == "Soon gone"
    assert (await get(server, f"/posts/{post_id}"))[0] == 404
    for path in (f"/mentors/{mentor_id}/posts.atom", f"/c/{slug}/posts.atom"):
        status, feed, _ = await get(server, path)
        assert status == 200 and entries(feed) == []
