"""A mentor's stats as a web page (issue 17, part 4) over a real aiohttp server on 127.0.0.1:
`/stats` in the chat sends a signed link; the page shows the same summaries and charts as
the chat's answer; a tampered, expired or learner's link opens nothing."""

from __future__ import annotations

import base64
import html
import io
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from PIL import Image as PILImage

from core.app import CoreApp
from core.dialogs.mentor_stats import PAGE_LINK_S, page_token
from core.markup import to_plain
from core.messaging import LinkButton
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.support import ChatDriver
from tests.unit.test_mentor_stats import seed_mentor


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/mstats.db",
        data_dir=tmp_path,
        secret_key="mentor-stats-secret",
        match_model="none",
        tick_seconds=0,
    )


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def test_stats_page_by_the_signed_link(server: TestServer) -> None:
    base = str(server.make_url("")).rstrip("/")
    core: CoreApp = server.app[CORE]
    now = core.deps.clock.now()
    asha = await seed_mentor(core, now)
    replies = await ChatDriver(core, "asha", platform="telegram").say("/stats")
    link = replies[0].buttons[0][0]
    assert isinstance(link, LinkButton)
    path = urlsplit(link.url).path
    async with aiohttp.ClientSession() as http:
        async with http.get(base + path) as resp:
            assert resp.status == 200
            page = await resp.text()
            assert "script-src" not in resp.headers["Content-Security-Policy"]
        captions = [html.unescape(c) for c in re.findall(r"<figcaption>(.*?)</figcaption>", page)]
        assert captions == [to_plain(r.text) for r in replies[1:]]
        for src in re.findall(r'<img src="data:image/png;base64,([^"]+)"', page):
            with PILImage.open(io.BytesIO(base64.b64decode(src))) as img:
                assert img.format == "PNG"
        rows = re.findall(r"<tr><td>(.*?)</td><td>(\d+)</td>", page)
        assert len(rows) == 12 and sum(int(n) for _w, n in rows) == 2

        keys = core.deps.signing_keys
        token = path.rsplit("/", 1)[1]
        lena = await ChatDriver(core, "lena").say("/stats")
        assert not any(r.buttons for r in lena)  # a learner gets no link
        bad = {
            "tampered": token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB"),
            "expired": page_token(keys, asha, now - timedelta(seconds=PAGE_LINK_S + 60)),
            "another purpose": token.replace(token.split(".")[0], "W10"),
            "garbage": "%F0%9F%92%A5" * 3,
            "a learner": page_token(keys, 10**6, now),
        }
        for case, value in bad.items():
            async with http.get(f"{base}/mentor/stats/{value}") as resp:
                body = await resp.text()
                assert resp.status == 404, case
                assert "<img" not in body and "Traceback" not in body, case
