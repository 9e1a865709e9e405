"""A community's web room in headless Chromium (issue #15): on a desktop and a phone size, a
visitor joins, writes, and sees a message from the linked Telegram group arrive live, as a
reply; nothing overflows the phone's width."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from core.app import CoreApp
from core.messaging import Actor
from core.ports import ChatRef
from mentorbot.app import CORE, create_app
from tests.relay_support import RecordingBridge

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium", allow_module_level=True)
try:
    from playwright.async_api import Browser, expect

    from tests.e2e.browser_support import CHROMIUM_ARGS, PHONE, WAIT_MS, browser_settings, chromium
except ImportError:
    pytest.skip("the playwright package is not installed", allow_module_level=True)

TG = ChatRef("telegram", "telegram", "-100")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(browser_settings(tmp_path)), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium(CHROMIUM_ARGS) as b:
        yield b


async def linked_room(core: CoreApp) -> str:
    async with core.uow() as u:
        owner, _ = await u.identity.resolve(Actor("console", "console", "owner", "Owner"))
        owner.is_admin = True
        c = await u.communities.create(owner, "Go Learners", "Gophers helping gophers", [])
        found = await u.communities.by_code(c.invite_code)
        assert found is not None
        await u.relay.link(owner, found, TG, "Study group")
        return c.slug


@pytest.mark.parametrize("size", [{"width": 1280, "height": 800}, PHONE], ids=["desktop", "phone"])
async def test_the_web_room_live_in_a_browser(
    server: TestServer, browser: Browser, size: dict[str, int]
) -> None:
    core: CoreApp = server.app[CORE]
    slug = await linked_room(core)
    telegram = RecordingBridge("telegram")
    core.relay.register(telegram)
    om = Actor("telegram", "telegram", "707", "Om")
    await core.relay_said(om, TG, "1", "Is *Go* good for CLIs?")

    page = await browser.new_page(viewport=size)
    page.set_default_timeout(WAIT_MS)
    url = str(server.make_url("")).rstrip("/")
    await page.goto(f"{url}/c/{slug}")
    await expect(page.locator("h1")).to_have_text("Go Learners")
    first = page.locator("#messages li").first
    await expect(first.locator(".author")).to_have_text("Om")
    await expect(first.locator(".body")).to_have_text("Is *Go* good for CLIs?")
    await expect(first.locator(".num")).to_have_text(" · #1")  # what moderation commands take

    await expect(page.locator("#members")).to_have_text(
        "2 members"
    )  # the owner, and Om (he wrote in the group)
    await page.get_by_role("button", name="Join to write").click()
    await expect(page.locator("#members")).to_have_text("3 members")
    box = page.get_by_role("textbox", name="Message")
    await expect(box).to_be_visible()
    await page.get_by_role("button", name="Reply to Om").click()
    await box.fill("Yes: cobra and a single binary.")
    await box.press("Enter")
    mine = page.locator("#messages li").nth(1)
    await expect(mine.locator(".body")).to_have_text("Yes: cobra and a single binary.")
    await expect(mine.locator(".quote")).to_have_text("↪ in reply to Om")

    # Om answers in the Telegram group: it appears in the open page without a reload.
    await core.relay_said(om, TG, "2", "thanks!")
    live = page.locator("#messages li").nth(2)
    await expect(live.locator(".author")).to_have_text("Om")
    await expect(live.locator(".where")).to_have_text(" · Telegram")

    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= size["width"], f"the room is {width}px wide on a {size['width']}px screen"
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / f"room-{size['width']}.png"))
    await page.close()
