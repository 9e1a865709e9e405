"""A group room with the room page in headless Chromium (fake camera) and two aiortc
participants: the page shows both others' video, and both receive the page's video and each
other's through the server. Only 127.0.0.1 is contacted."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from av import VideoFrame

from calls.client import PatternTrack, RoomClient
from tests.e2e.rooms_support import loopback_ice, start_group
from tests.e2e.test_room_browser import open_page
from tests.e2e.test_web_browser import WAIT_MS

try:
    from playwright.async_api import Browser, Page, expect

    from tests.e2e.browser_support import MEDIA_ARGS, chromium
except ImportError:
    pytest.skip("the playwright package is not installed", allow_module_level=True)

__all__ = ["loopback_ice"]


# The page's media goes through the server's decoder and encoders for three connections:
# on two cores shared with other work, its first frames took up to ~28 s (10 s, WAIT_MS,
# was too short there). Still bounded.
MEDIA_WAIT_S = 40


async def _until(page: Page, expression: str) -> None:
    """Poll a page expression (the room's CSP forbids wait_for_function's eval)."""
    async with asyncio.timeout(MEDIA_WAIT_S):
        for _ in range(MEDIA_WAIT_S * 10):
            if await page.evaluate(expression):
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"never true: {expression}")


async def _widths(client: RoomClient, n: int) -> set[int]:
    tracks = [await client.tracks.get() for _ in range(n)]
    frames = await asyncio.gather(*(t.recv() for t in tracks))
    return {f.width for f in frames if isinstance(f, VideoFrame)}


async def test_the_room_page_in_a_group_of_three(tmp_path: Path, loopback_ice: None) -> None:
    async for group in start_group(tmp_path, 2):
        learner, web_learner = list(group.seats)
        mentor_c = RoomClient(group.url, group.token(group.mentor), video=PatternTrack(160, 120))
        learner_c = RoomClient(group.url, group.token(learner), video=PatternTrack(192, 120))
        try:
            async with asyncio.timeout(WAIT_MS / 1000):
                for c in (mentor_c, learner_c):
                    await c.open()
                    await c.via_group()
            async with chromium(MEDIA_ARGS) as browser:
                assert isinstance(browser, Browser)
                context, page, outside, errors = await open_page(
                    browser, group.url, f"/room/{group.token(web_learner)}"
                )
                await expect(page.get_by_test_id("title")).to_have_text("Group session: with Meera")
                await _until(
                    page,
                    "[...document.querySelectorAll('video.member')]"
                    ".filter((v) => v.videoWidth > 0).length === 2",
                )
                shown = await page.evaluate(
                    "[...document.querySelectorAll('video.member')].map((v) => v.videoWidth)"
                )
                assert sorted(w for w in shown if w) == [160, 192]
                async with asyncio.timeout(MEDIA_WAIT_S):
                    got_mentor = await _widths(mentor_c, 2)
                    got_learner = await _widths(learner_c, 2)
                # Each aiortc participant sees the other and the browser's camera.
                assert 192 in got_mentor and len(got_mentor) == 2, got_mentor
                assert 160 in got_learner and len(got_learner) == 2, got_learner
                assert outside == [] and errors == []
                await context.close()
        finally:
            await mentor_c.close()
            await learner_c.close()
