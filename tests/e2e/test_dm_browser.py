"""Direct messages at /messages in headless Chromium at a phone's size (issue #16): the thread
shows a Telegram learner's message live, the mentor answers from the page, and a voice
message recorded with Chromium's fake microphone reaches the Telegram fake (the real aiogram
stack) as an OGG/Opus voice note; Edit and Delete on one's own message change and remove the
Telegram copy. Nothing overflows the phone's width."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from pathlib import Path

import av
import pytest
from aiohttp.test_utils import TestServer
from pydantic import SecretStr

from bots.web.identity import read_cookie
from core.app import CoreApp
from core.messaging import Actor
from mentorbot.app import CORE, SETTINGS, create_app
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.dm_support import booked, person

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium", allow_module_level=True)
try:
    from playwright.async_api import Browser, expect

    from tests.e2e.browser_support import MEDIA_ARGS, PHONE, WAIT_MS, browser_settings, chromium
except ImportError:
    pytest.skip("the playwright package is not installed", allow_module_level=True)

ASHA = Actor("telegram", "telegram", "707", "Asha")


@pytest.fixture
async def tg() -> AsyncIterator[FakeBotAPI]:
    api = FakeBotAPI()
    await api.start()
    yield api
    await api.close()


@pytest.fixture
async def server(tmp_path: Path, tg: FakeBotAPI) -> AsyncIterator[TestServer]:
    settings = browser_settings(tmp_path).model_copy(
        update={
            "telegram_token": SecretStr(tg.token),
            "telegram_api_url": tg.url,
            "telegram_mode": "polling",
            "match_model": "none",
        }
    )
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium(MEDIA_ARGS) as b:
        yield b


async def test_messages_on_a_phone_with_a_recorded_voice_note(
    server: TestServer, browser: Browser, tg: FakeBotAPI
) -> None:
    core: CoreApp = server.app[CORE]
    url = str(server.make_url("")).rstrip("/")
    context = await browser.new_context(viewport=PHONE)
    await context.grant_permissions(["microphone"], origin=url)
    page = await context.new_page()
    page.set_default_timeout(WAIT_MS)
    await page.goto(f"{url}/chat")
    [cookie] = [c for c in await context.cookies() if c["name"] == "mb_web"]
    web_id = read_cookie(server.app[SETTINGS].secret(), cookie["value"])
    assert web_id is not None
    meera = await person(core, Actor("web", "web", web_id, "Meera"), mentor=True)
    asha = await person(core, ASHA)
    await booked(core, asha, meera)
    async with core.uow() as u:
        me = await u.identity.find(Actor("web", "web", web_id, "x"))
        assert me is not None
        thread = (await u.dms.open(me, asha)).id
    await core.dm_said(ASHA, thread, "5", "Could you listen to my pronunciation?")

    await page.goto(f"{url}/messages")
    await page.locator("#threads a", has_text="Asha").click()
    first = page.locator("#messages li").first
    await expect(first.locator(".body")).to_have_text("Could you listen to my pronunciation?")
    await page.locator("#say-text").fill("Sure, here is how I say it")
    await page.locator("#say button[type=submit]").click()
    await expect(page.locator("#messages li")).to_have_count(2)

    await page.locator("#record").click()
    await expect(page.locator("#record")).to_have_attribute("aria-pressed", "true")
    await page.wait_for_timeout(1500)
    await page.locator("#record").click()
    await expect(page.locator("#messages li audio")).to_have_count(1)
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"]

    async def voices() -> list[bytes]:
        return [m.data for m in tg.chat_messages(707) if m.kind == "voice"]

    for _ in range(100):  # bounded: about 10 s
        await core.relay.drain()
        if await voices():
            break
        await page.wait_for_timeout(100)
    [voice] = await voices()
    with av.open(io.BytesIO(voice), mode="r") as c:
        assert c.format.name == "ogg" and c.streams.audio[0].codec_context.name == "opus"
        assert float(c.duration or 0) / 1e6 > 0.5
    texts = [m.plain for m in tg.chat_messages(707)]
    assert any("Sure, here is how I say it" in t for t in texts)

    # Edit and Delete are on one's own messages only; the Telegram copy follows each.
    mine = page.locator("#messages li", has_text="Sure, here is how I say it")
    assert await page.locator("#messages li").first.get_by_role("button", name="Edit").count() == 0
    [copy] = [m for m in tg.chat_messages(707) if "Sure, here is how I say it" in m.plain]
    page.once("dialog", lambda d: asyncio.ensure_future(d.accept("Sure, listen to this")))
    await mine.get_by_role("button", name="Edit").click()
    edited = page.locator("#messages li", has_text="Sure, listen to this")
    await expect(edited.locator(".head")).to_contain_text("edited")
    for _ in range(100):  # bounded: about 10 s
        await core.relay.drain()
        if "Sure, listen to this" in copy.plain:
            break
        await page.wait_for_timeout(100)
    assert "Sure, listen to this" in copy.plain and copy.edits == 1
    page.once("dialog", lambda d: asyncio.ensure_future(d.accept()))
    await edited.get_by_role("button", name="Delete").click()
    await expect(page.locator("#messages li .deleted")).to_have_text("This message was deleted.")
    for _ in range(100):
        await core.relay.drain()
        if copy.deleted:
            break
        await page.wait_for_timeout(100)
    assert copy.deleted
    assert await page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    await context.close()
