"""The web chat in a real browser: Debian's headless Chromium driven by Playwright.

The learner's whole conversation goes through the page (clicks and key presses on
chat.html / chat.js); the mentor and the admin who approves them are WebSocket clients,
as in test_web_journey. Only 127.0.0.1 is ever contacted: Chromium's background services
are switched off, every host name fails to resolve (no DNS query leaves the machine), and
the page's own requests are held to the test server.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bots.web.identity import login_token
from mentorbot.app import create_app
from mentorbot.settings import Settings

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium "
        "(apt-get install chromium; `python3.11 tasks.py test` does it when run as root)",
        allow_module_level=True,
    )
try:
    from playwright.async_api import Browser, Route, expect

    from tests.e2e.browser_support import (
        CHROMIUM_ARGS,
        CUT_LABELS_JS,
        PHONE,
        WAIT_MS,
        approved_mentors,
        bot_msg,
        bot_says,
        browser_settings,
        card,
        chromium,
        connected,
        phone_learner_searches,
        tap,
        transcript,
        type_and_send,
    )
except ImportError:
    pytest.skip(
        "the playwright package is not installed (pip install -e '.[dev]')",
        allow_module_level=True,
    )


ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return browser_settings(tmp_path)


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with chromium(CHROMIUM_ARGS) as b:
        yield b


def base(srv: TestServer) -> str:
    return str(srv.make_url("")).rstrip("/")


async def test_learner_finds_mentor_in_the_browser(
    server: TestServer, settings: Settings, browser: Browser
) -> None:
    url = base(server)
    await approved_mentors(url, settings, 1)

    context = await browser.new_context(viewport={"width": 1000, "height": 900})
    context.set_default_timeout(WAIT_MS)
    outside: list[str] = []

    async def refuse(route: Route) -> None:
        outside.append(route.request.url)
        await route.abort()

    await context.route(lambda u: not u.startswith(url + "/"), refuse)
    page = await context.new_page()
    errors: list[str] = []
    console: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))

    await page.goto(url + "/chat", timeout=WAIT_MS)
    await expect(page).to_have_title(re.compile("MentorBot"), timeout=WAIT_MS)
    await connected(page)
    await bot_says(page, "I'm MentorBot")
    await bot_says(page, "What would you like to do?")

    await tap(page, "Learn")
    await bot_says(page, "What should people call you?")
    await type_and_send(page, "Bharat")
    await bot_says(page, "Nice to meet you, Bharat!")
    await bot_says(page, "How old are you?")  # the age question (issue 18), on by default
    await tap(page, "18 or older")
    await bot_says(page, "Which skills do you want to learn?")
    await type_and_send(page, "pyhton")
    await bot_says(page, "“pyhton” → Python")
    await bot_says(page, "What's your level in Python?")
    await tap(page, "Beginner")
    await bot_says(page, "Got it: Python (beginner).")
    await bot_says(page, "what do you want to achieve?")
    await tap(page, "Skip for now")
    await bot_says(page, "Which languages can you talk in?")
    await tap(page, re.compile(r"^English$"))
    await bot_says(page, "Languages: English.")
    await bot_says(page, "Which city are you in?")
    await type_and_send(page, "Mumbai")
    await bot_says(page, "Time zone set to Asia/Kolkata")
    await bot_says(page, "When are you usually free")
    await tap(page, "Skip for now")
    await bot_says(page, "All set 🎉")
    await bot_says(page, "What next?")

    await tap(page, "Find a mentor")
    await bot_says(page, "Which skill do you want help with?")
    await tap(page, re.compile(r"^Python$"))
    await bot_says(page, "Best matches · 1 found")
    await card(page, "Anita Desai").get_by_role("button", name="Profile").click()
    profile = bot_msg(page, "Reviews")
    await expect(profile).to_be_visible(timeout=WAIT_MS)
    # the server's markup arrives as real (sanitised) HTML
    await expect(profile.locator("b", has_text="Anita Desai")).to_be_visible(timeout=WAIT_MS)
    await expect(page.get_by_test_id("msg-pending")).to_have_count(0, timeout=WAIT_MS)

    # Reload: same cookie, the whole conversation comes back from the server.
    before = await transcript(page)
    assert len(before) > 20
    await page.reload(timeout=WAIT_MS)
    await connected(page)
    await expect(page.get_by_test_id("msg")).to_have_count(len(before), timeout=WAIT_MS)
    assert await transcript(page) == before
    await expect(page.get_by_test_id("msg-pending")).to_have_count(0, timeout=WAIT_MS)
    ARTIFACTS.mkdir(exist_ok=True)
    await page.screenshot(path=str(ARTIFACTS / "webchat.png"), timeout=WAIT_MS)

    # A long message with markup is shown as the text typed, never run or parsed.
    evil = (
        "<script>window.__xss = 'script'</script>"
        "<img src=x onerror=\"window.__xss = 'img'\"> "
        + "I would like to get really good at Python, step by step. "
        * 30
    ).strip()
    assert len(evil) > 1500
    box = page.get_by_test_id("input")
    await box.fill(evil, timeout=WAIT_MS)
    await box.press("Enter", timeout=WAIT_MS)
    mine = page.locator('[data-testid="msg"][data-role="user"]').last
    await expect(mine).to_have_text(evil, timeout=WAIT_MS)
    await expect(page.get_by_test_id("msg-pending")).to_have_count(0, timeout=WAIT_MS)
    await expect(page.locator("#messages script, #messages img")).to_have_count(0)
    assert await page.evaluate("window.__xss") is None
    assert not [c for c in console if "Content Security Policy" in c], console

    assert errors == [], errors
    assert outside == [], outside
    await context.close()


# 390×844 as the issue asks; 375×667 (a small phone) is shorter than the results message,
# so the page must show the message from its top for the first card to be on screen.
@pytest.mark.parametrize("viewport", [PHONE, {"width": 375, "height": 667}], ids=str)
async def test_results_fit_a_phone(
    server: TestServer, settings: Settings, browser: Browser, viewport: dict[str, int]
) -> None:
    """Issue #22 item 13: results are compact cards, the first one is on screen without
    scrolling, and no button or chip label is cut."""
    url = base(server)
    await approved_mentors(url, settings, 6)
    context = await browser.new_context(viewport=viewport, device_scale_factor=2, is_mobile=True)
    context.set_default_timeout(WAIT_MS)
    await context.route(lambda u: not u.startswith(url + "/"), lambda r: r.abort())
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    await phone_learner_searches(page, url)
    results = bot_msg(page, "Best matches")
    await expect(results).to_contain_text("6 found")
    cards = page.get_by_test_id("result-card")
    await expect(cards).to_have_count(5)  # one page
    first = cards.first
    await expect(first).to_contain_text("₹100")
    await expect(first.get_by_role("button")).to_have_count(2)
    # The page scrolled itself to the results; the test doesn't scroll.
    await expect(first).to_be_in_viewport(ratio=1)
    box, stage = await first.bounding_box(), await page.locator("#scroller").bounding_box()
    assert box is not None and stage is not None
    assert stage["y"] <= box["y"] and box["y"] + box["height"] <= stage["y"] + stage["height"]
    # Nothing is wider than the phone, and no label is cut.
    assert await page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    cut = await page.evaluate(CUT_LABELS_JS)
    assert cut == [], cut
    # The profile and "why" buttons live on the cards, not as full-width rows below.
    row = page.locator('.row[data-cards="true"]').last
    await expect(row.get_by_test_id("action-btn").filter(has_text="Why this mentor")).to_have_count(
        0
    )
    await expect(row.get_by_test_id("action-btn").filter(has_text="✖")).not_to_have_count(0)
    # The card's actions work: "why" answers in words, "Profile" opens the profile.
    await first.get_by_role("button", name="Why").click()
    await bot_says(page, re.compile(r"^Why "))
    mine = page.locator('[data-testid="msg"][data-role="user"]').last
    await expect(mine).to_have_text("» Why? · Anita Desai")  # the echo names the mentor
    await tap(page, "Back to results")
    await expect(cards).to_have_count(10)
    await cards.last.get_by_role("button", name="Profile").click()
    await bot_says(page, "Reviews")
    assert await page.evaluate(CUT_LABELS_JS) == []
    assert errors == [], errors
    await context.close()


async def test_header_shows_the_given_name_and_an_admin_badge(
    server: TestServer, settings: Settings, browser: Browser
) -> None:
    """Issue #22 item 14: not "as Guest 8006" once the person said their name; admins have a
    badge."""
    url = base(server)
    context = await browser.new_context(viewport=PHONE, is_mobile=True)
    context.set_default_timeout(WAIT_MS)
    await context.route(lambda u: not u.startswith(url + "/"), lambda r: r.abort())
    page = await context.new_page()
    await page.goto(url + "/chat", timeout=WAIT_MS)
    await connected(page)
    name = page.get_by_test_id("whoami-name")
    await expect(name).to_have_text(re.compile(r"^Guest \d{4}$"))
    await tap(page, "Learn")
    await bot_says(page, "What should people call you?")
    await type_and_send(page, "Bharat")
    await expect(name).to_have_text("Bharat")  # at once, not only after a reload
    await expect(page.get_by_test_id("admin-badge")).to_be_hidden()
    await page.reload(timeout=WAIT_MS)
    await connected(page)
    await expect(name).to_have_text("Bharat")
    await expect(page.get_by_test_id("admin-badge")).to_be_hidden()
    await context.close()

    admin_context = await browser.new_context(viewport=PHONE, is_mobile=True)
    admin_context.set_default_timeout(WAIT_MS)
    await admin_context.route(lambda u: not u.startswith(url + "/"), lambda r: r.abort())
    admin = await admin_context.new_page()
    await admin.goto(f"{url}/login?token={login_token(settings.secret(), 'admin')}")
    await connected(admin)
    await expect(admin.get_by_test_id("admin-badge")).to_be_visible()
    await expect(admin.get_by_test_id("admin-badge")).to_have_text("Admin")
    await tap(admin, "Learn")
    await bot_says(admin, "What should people call you?")
    await type_and_send(admin, "Priya")
    await expect(admin.get_by_test_id("whoami-name")).to_have_text("Priya")
    await expect(admin.get_by_test_id("admin-badge")).to_be_visible()
    await admin_context.close()
