"""The web chat in a real browser: Debian's headless Chromium driven by Playwright.

The learner's whole conversation goes through the page (clicks and key presses on
chat.html / chat.js); the mentor and the admin who approves them are WebSocket clients,
as in test_web_journey. Only 127.0.0.1 is ever contacted: Chromium's background services
are switched off, every host name fails to resolve (no DNS query leaves the machine), and
the page's own requests are held to the test server.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bots.web.identity import login_token
from mentorbot.app import create_app
from mentorbot.settings import Settings
from tests.e2e.webclient import WebChatClient

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} is missing: install Debian's chromium "
        "(apt-get install chromium; `python3.11 tasks.py test` does it when run as root)",
        allow_module_level=True,
    )
try:
    from playwright.async_api import Browser, Locator, Page, Route, async_playwright, expect
except ImportError:
    pytest.skip(
        "the playwright package is not installed (pip install -e '.[dev]')",
        allow_module_level=True,
    )

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
WAIT_MS = 10_000  # every wait in this module is bounded by this
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Belt and braces for the rest (Debian's build still calls Google for autofill, sign-in
    # and updates): no proxy, and every host name fails to resolve without a DNS query.
    "--no-proxy-server",
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/e2e.db",
        data_dir=tmp_path,
        secret_key="e2e-secret",  # type: ignore[arg-type]
        admins=["web:admin"],
        match_model="hashing",  # the real recommender with a small embedder
    )


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as pw:
        b = await pw.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True, timeout=WAIT_MS
        )
        yield b
        await b.close()


def base(srv: TestServer) -> str:
    return str(srv.make_url("")).rstrip("/")


async def approved_mentor(url: str, settings: Settings) -> None:
    """Anita applies to teach Python over the WebSocket; the admin approves her."""
    admin, anita = WebChatClient(url), WebChatClient(url)
    try:
        async with asyncio.timeout(WAIT_MS / 1000):
            await admin.open(f"/login?token={login_token(settings.secret(), 'admin')}")
            first = await anita.open()
            anita.last = [m for m in first if m["role"] == "bot"]
            await anita.press("Mentor")
            await anita.say("Anita Desai")
            await anita.say("Python: advanced")
            await anita.say("English, Hindi")
            await anita.say("Pune")
            await anita.press("Weekday evenings")
            await anita.say("SRE at Razorpay · Python and Docker")
            await anita.say("I run production services and love helping people debug their code.")
            await anita.say("6")
            await anita.press("₹100")
            await anita.press("10, 20")
            await anita.press("Skip")
            assert admin.ws is not None
            note = await admin.ws.receive_json()
            assert "New mentor application" in note["text"], note
            admin.last = [note]
            await admin.press("Approve")
            assert "Approved Anita Desai" in admin.text()
    finally:
        await admin.close()
        await anita.close()


# ---- driving the page ----------------------------------------------------------
def bot_msg(page: Page, text: str | re.Pattern[str]) -> Locator:
    return page.locator('[data-testid="msg"][data-role="bot"]').filter(has_text=text).last


async def bot_says(page: Page, text: str | re.Pattern[str]) -> None:
    await expect(bot_msg(page, text)).to_be_visible(timeout=WAIT_MS)


async def type_and_send(page: Page, text: str) -> None:
    box = page.get_by_test_id("input")
    await box.press_sequentially(text, timeout=WAIT_MS)
    await box.press("Enter", timeout=WAIT_MS)
    # the pending bubble turns into the server's echo
    echo = page.locator('[data-testid="msg"][data-role="user"]').filter(has_text=text).last
    await expect(echo).to_be_visible(timeout=WAIT_MS)


async def tap(page: Page, label: str | re.Pattern[str]) -> None:
    """Click the newest button with this label (older messages keep their buttons)."""
    await page.get_by_test_id("action-btn").filter(has_text=label).last.click(timeout=WAIT_MS)


async def connected(page: Page) -> None:
    status = page.get_by_test_id("status")
    await expect(status).to_have_attribute("data-state", "connected", timeout=WAIT_MS)


async def transcript(page: Page) -> list[str]:
    return await page.get_by_test_id("msg").all_inner_texts()


async def test_learner_finds_mentor_in_the_browser(
    server: TestServer, settings: Settings, browser: Browser
) -> None:
    url = base(server)
    await approved_mentor(url, settings)

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
    await bot_says(page, "Anita Desai")
    await tap(page, "Anita Desai")
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
