"""The room page in Debian's headless Chromium (fake camera and microphone) against an
aiortc participant through the real signaling endpoint: media both ways, chat, countdown,
the 1-minute warning, and the device check's echo. Only 127.0.0.1 is contacted."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest

from calls.client import PatternTrack, RoomClient
from tests.e2e.rooms_support import START, Call, home_on, loopback_ice, start_call
from tests.e2e.test_web_browser import ARTIFACTS, WAIT_MS

try:
    from playwright.async_api import Browser, BrowserContext, Page, Route, expect

    from tests.e2e.browser_support import MEDIA_ARGS, chromium
except ImportError:  # test_web_browser skips the module already; keep mypy and ruff happy
    pytest.skip("the playwright package is not installed", allow_module_level=True)

__all__ = ["loopback_ice"]


@pytest.fixture
async def call(tmp_path: Path) -> AsyncIterator[Call]:
    async for c in start_call(tmp_path):
        yield c


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium(MEDIA_ARGS) as b:
        yield b


async def until(page: Page, expression: str) -> None:
    """Poll a page expression (the room's CSP forbids wait_for_function's eval)."""
    async with asyncio.timeout(WAIT_MS / 1000):
        for _ in range(WAIT_MS // 100):
            if await page.evaluate(expression):
                return
            await asyncio.sleep(0.1)
    raise AssertionError(f"never true: {expression}")


async def open_page(
    browser: Browser, url: str, path: str
) -> tuple[BrowserContext, Page, list[str], list[str]]:
    context = await browser.new_context(viewport={"width": 900, "height": 700})
    context.set_default_timeout(WAIT_MS)
    outside: list[str] = []
    errors: list[str] = []

    async def refuse(route: Route) -> None:
        outside.append(route.request.url)
        await route.abort()

    await context.route(lambda u: not u.startswith(url + "/"), refuse)
    page = await context.new_page()
    page.on("pageerror", lambda e: errors.append(str(e)))
    await page.goto(url + path, timeout=WAIT_MS)
    return context, page, outside, errors


async def test_room_page_with_an_aiortc_peer(
    call: Call, browser: Browser, loopback_ice: None
) -> None:
    mentor = RoomClient(call.url, call.token("mentor"), video=PatternTrack(320, 240))
    await asyncio.wait_for(mentor.open(), WAIT_MS / 1000)
    try:
        context, page, outside, errors = await open_page(
            browser, call.url, f"/room/{call.token('learner')}"
        )
        await expect(page.get_by_test_id("title")).to_have_text("Session with Meera")
        # 13:01 on the server's clock: about nine minutes left of a ten-minute session.
        await expect(page.get_by_test_id("countdown")).to_have_text(re.compile(r"^(9:00|8:5\d)$"))
        # The page joined second, so it offers; the aiortc peer answers.
        async with asyncio.timeout(WAIT_MS / 1000):
            await mentor.connected.wait()
            track = await mentor.tracks.get()
            while track.kind != "video":
                track = await mentor.tracks.get()
            frame = await track.recv()
            assert frame.width > 0
        await until(page, "window.__room.framesDecoded > 2")
        await expect(page.get_by_test_id("waiting")).to_be_hidden()
        await expect(page.get_by_test_id("quality")).not_to_have_attribute("data-level", "unknown")

        # Chat: typed in the page, stamped by the server; links shown as links, markup as text.
        await page.get_by_test_id("chat-input").fill("notes: https://example.org/cv")
        await page.get_by_test_id("chat-send").click()
        got = await mentor.expect("chat", WAIT_MS / 1000)
        assert (got["from"], got["text"]) == ("learner", "notes: https://example.org/cv")
        evil = '<img src=x onerror="window.__xss=1"> see https://example.org/a?b=1'
        await mentor.send({"type": "chat", "text": evil})
        last = page.get_by_test_id("chat-msg").last
        await expect(last).to_contain_text("<img src=x")
        await expect(last.locator("a")).to_have_attribute("href", "https://example.org/a?b=1")
        await expect(page.locator("#messages img")).to_have_count(0)
        assert await page.evaluate("window.__xss") is None

        await page.get_by_test_id("mute").click()
        await expect(page.get_by_test_id("mute")).to_have_attribute("aria-pressed", "true")
        await page.get_by_test_id("camera").click()
        await expect(page.get_by_test_id("camera")).to_have_attribute("aria-pressed", "true")
        ARTIFACTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(ARTIFACTS / "room.png"), timeout=WAIT_MS)

        await page.get_by_test_id("hangup").click()
        await expect(page.get_by_test_id("ended")).to_be_visible()
        await expect(page.get_by_test_id("ended-text")).to_have_text(
            "You hung up, so the session is complete. I'll ask you both to rate it in your chat."
        )
        await expect(page.get_by_test_id("rejoin")).to_be_hidden()
        assert (await mentor.expect("peer-left", WAIT_MS / 1000))["reason"] == "hangup"
        assert (await mentor.expect("closed", WAIT_MS / 1000))["reason"] == "completed"
        assert errors == [], errors
        assert outside == [], outside
        await context.close()
    finally:
        await mentor.close()


async def test_last_minute_warning(call: Call, browser: Browser) -> None:
    call.at(START + timedelta(minutes=9, seconds=1))
    context, page, outside, errors = await open_page(
        browser, call.url, f"/room/{call.token('mentor')}"
    )
    await expect(page.get_by_test_id("banner")).to_have_text("⏰ 1 minute left.")
    await expect(page.locator("body")).to_have_class(re.compile("last-minute"))
    await expect(page.get_by_test_id("waiting")).to_have_text("Waiting for Asha to join…")
    assert errors == [] and outside == []
    await context.close()


async def test_too_early_page_counts_down(call: Call, browser: Browser) -> None:
    call.at(START - timedelta(minutes=30))
    context, page, _outside, errors = await open_page(
        browser, call.url, f"/room/{call.token('learner')}"
    )
    await expect(page.get_by_test_id("opens-in")).to_have_text(re.compile(r"^(20:00|19:5\d)$"))
    assert errors == []
    await context.close()


async def test_device_check_echoes_video(call: Call, browser: Browser, loopback_ice: None) -> None:
    context, page, outside, errors = await open_page(
        browser, call.url, f"/room/{call.token('learner')}/check"
    )
    await until(page, "window.__check.framesDecoded > 2 && window.__check.rtts.length >= 3")
    await expect(page.get_by_test_id("rtt")).to_contain_text("min / median / max")
    assert errors == [] and outside == []
    await context.close()


async def test_the_room_page_says_what_happened(
    call: Call, browser: Browser, loopback_ice: None
) -> None:
    """Issue 22, items 5-8 in the page: the partner's leave and rejoin, the chat kept over a
    reload, an early hang-up that keeps the session on (with Rejoin), the partner's hang-up
    after the start ending it, the way back to the chat, and the favicon."""
    await home_on(call.core, call.mentor, "telegram")
    call.at(START - timedelta(minutes=5))
    learner = RoomClient(call.url, call.token("learner"))
    again = RoomClient(call.url, call.token("learner"))
    context, page, outside, errors = await open_page(
        browser, call.url, f"/room/{call.token('mentor')}"
    )
    try:
        waiting = page.get_by_test_id("waiting")
        await expect(waiting).to_have_text("Waiting for Asha to join…", timeout=WAIT_MS)
        await asyncio.wait_for(learner.open(), WAIT_MS / 1000)
        await expect(waiting).to_be_hidden(timeout=WAIT_MS)
        await learner.send({"type": "chat", "text": "hello <i>there</i>"})
        await expect(page.get_by_test_id("chat-msg")).to_have_text(
            ["Ashahello <i>there</i>"], timeout=WAIT_MS
        )

        await page.reload()  # the chat comes back with the room
        await expect(page.get_by_test_id("title")).to_have_text(
            "Session with Asha", timeout=WAIT_MS
        )
        await expect(page.get_by_test_id("chat-msg")).to_have_text(
            ["Ashahello <i>there</i>"], timeout=WAIT_MS
        )

        await learner.send({"type": "hangup"})
        await expect(waiting).to_be_visible(timeout=WAIT_MS)
        await expect(waiting).to_contain_text(
            "Asha left the call. The session is still on: they can rejoin until", timeout=WAIT_MS
        )
        await asyncio.wait_for(again.open(), WAIT_MS / 1000)
        await expect(waiting).to_be_hidden(timeout=WAIT_MS)
        await expect(page.locator("#messages li.muted").last).to_have_text(
            "Asha rejoined.", timeout=WAIT_MS
        )

        await page.get_by_test_id("hangup").click()  # before the start
        await expect(page.get_by_test_id("ended-title")).to_have_text(
            "You left the call", timeout=WAIT_MS
        )
        await expect(page.get_by_test_id("ended-text")).to_contain_text(
            "The session is still on: it starts at", timeout=WAIT_MS
        )
        await expect(page.get_by_test_id("back-web")).to_have_attribute(
            "href", "/chat", timeout=WAIT_MS
        )
        await expect(page.get_by_test_id("back-app")).to_contain_text(
            "go back to Telegram", timeout=WAIT_MS
        )
        assert (await again.expect("peer-left", WAIT_MS / 1000))["session"] == "on"
        await page.get_by_test_id("rejoin").click()
        await expect(page.get_by_test_id("ended")).to_be_hidden(timeout=WAIT_MS)
        await expect(page.get_by_test_id("chat-msg")).to_have_count(1, timeout=WAIT_MS)
        await again.expect("peer-joined", WAIT_MS / 1000)

        call.at(START + timedelta(minutes=2))
        await again.send({"type": "hangup"})
        await expect(page.get_by_test_id("ended-title")).to_have_text("Call ended", timeout=WAIT_MS)
        await expect(page.get_by_test_id("ended-text")).to_have_text(
            "Asha hung up, so the session is complete. I'll ask you both to rate it in your chat.",
            timeout=WAIT_MS,
        )
        await expect(page.get_by_test_id("rejoin")).to_be_hidden(timeout=WAIT_MS)

        icon = await page.locator("link[rel=icon]").get_attribute("href")
        assert icon is not None
        got = await context.request.get(call.url + icon)
        assert got.status == 200 and got.headers["content-type"] == "image/svg+xml"
        assert errors == [], errors
        assert outside == [], outside
    finally:
        await context.close()
        await learner.close()
        await again.close()
