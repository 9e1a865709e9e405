"""Accessibility in Debian's headless Chromium (issue #27 item 7): axe-core finds no
violation on the web chat, the pay page and the call room; in the chat a pressed button is
disabled with aria-pressed, focus goes back to the message box, every bubble names its
speaker, and your own message enters the live region once. Only 127.0.0.1 is contacted;
axe-core is vendored (tests/e2e/vendor), never fetched."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.rooms_support import Call, pay_token, start_call
from tests.e2e.test_web_browser import WAIT_MS

try:
    from playwright.async_api import Browser, BrowserContext, Page, expect

    from tests.e2e.browser_support import MEDIA_ARGS, bot_says, chromium, connected, tap
except ImportError:  # test_web_browser skips the module already; keep mypy and ruff happy
    pytest.skip("the playwright package is not installed", allow_module_level=True)

AXE = Path(__file__).parent / "vendor" / "axe.min.js"


@pytest.fixture
async def call(tmp_path: Path) -> AsyncIterator[Call]:
    async for c in start_call(tmp_path):
        yield c


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium(MEDIA_ARGS) as b:
        yield b


async def new_page(browser: Browser, url: str) -> tuple[BrowserContext, Page]:
    # The pages' CSP allows only their own scripts: bypassed so axe can be injected. Reduced
    # motion turns the chat's colour transitions off: axe measures colours as they end up,
    # not halfway through a switch to dark mode.
    context = await browser.new_context(
        viewport={"width": 1000, "height": 800}, bypass_csp=True, reduced_motion="reduce"
    )
    context.set_default_timeout(WAIT_MS)
    await context.route(lambda u: not u.startswith(url + "/"), lambda r: r.abort())
    return context, await context.new_page()


async def violations(page: Page) -> list[dict[str, Any]]:
    await page.add_script_tag(path=str(AXE))
    result = await page.evaluate("axe.run()")
    return [
        {"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]]}
        for v in result["violations"]
    ]


async def test_axe_finds_nothing_on_the_web_chat(call: Call, browser: Browser) -> None:
    context, page = await new_page(browser, call.url)
    await page.goto(call.url + "/chat")
    await connected(page)
    await bot_says(page, "What would you like to do?")
    await expect(page.get_by_test_id("whoami-name")).to_be_visible()
    assert await violations(page) == []
    await tap(page, "Learn")  # a pressed button, an echo and a new question
    await bot_says(page, "What should people call you?")
    assert await violations(page) == []
    await page.emulate_media(color_scheme="dark")
    assert await violations(page) == []
    await context.close()


async def test_axe_finds_nothing_on_the_pay_page(call: Call, browser: Browser) -> None:
    context, page = await new_page(browser, call.url)
    await page.goto(f"{call.url}/pay/{await pay_token(call)}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Pay for")
    assert await violations(page) == []
    await context.close()


async def test_axe_finds_nothing_on_the_room_page(call: Call, browser: Browser) -> None:
    context, page = await new_page(browser, call.url)
    await page.goto(f"{call.url}/room/{call.token('learner')}")
    await expect(page.get_by_test_id("title")).to_have_text(re.compile("Session with"))
    assert await violations(page) == []
    await context.close()


async def test_a_pressed_button_is_disabled_and_focus_returns_to_the_input(
    call: Call, browser: Browser
) -> None:
    context, page = await new_page(browser, call.url)
    await page.goto(call.url + "/chat")
    await connected(page)
    await bot_says(page, "What would you like to do?")
    # Everything that enters the conversation's live region from now on.
    await page.evaluate(
        """() => {
          window.__added = [];
          new MutationObserver((records) => {
            for (const r of records) for (const n of r.addedNodes) window.__added.push(n.innerText);
          }).observe(document.getElementById('messages'), { childList: true, subtree: true });
        }"""
    )
    learn = page.get_by_test_id("action-btn").filter(has_text="Learn").last
    await learn.click()
    await expect(learn).to_be_disabled()
    await expect(learn).to_have_attribute("aria-pressed", "true")
    await expect(page.get_by_test_id("input")).to_be_focused()
    await bot_says(page, "What should people call you?")
    await expect(page.get_by_test_id("msg-pending")).to_have_count(0)
    await expect(page.get_by_test_id("input")).to_be_focused()  # not dropped with the pending row

    # Your own message entered the live region once (the server's echo; the pending bubble
    # sat outside it), and each bubble names its speaker to assistive tech.
    added: list[str] = await page.evaluate("window.__added")
    mine = [t.split("\n")[1] for t in added if t.startswith("You said:")]
    assert len(mine) == 1 and mine[0].startswith("» ") and "Learn" in mine[0], added
    log = page.get_by_role("log", name="Conversation")
    speakers = await log.locator(".stack > .visually-hidden").all_text_contents()
    assert speakers[0] == "MentorBot:" and "You said:" in speakers
    assert any(t.startswith("MentorBot:") for t in added), added
    await context.close()
