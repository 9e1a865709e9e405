"""Driving the web chat in Debian's headless Chromium (Playwright), shared by the browser tests
and by docs/screenshots.py, which writes README's phone pictures from the same journey.

Only 127.0.0.1 is ever contacted: Chromium's background services are switched off and every
host name fails to resolve (no DNS query leaves the machine)."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Locator, Page, async_playwright, expect

from bots.web.identity import login_token
from mentorbot.settings import Settings
from tests.e2e.webclient import WebChatClient
from tests.support import answer_age

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 10_000  # every wait in the browser tests is bounded by this
PHONE = {"width": 390, "height": 844}
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

# For pages that use the camera and microphone (call rooms): fake devices, no prompt.
MEDIA_ARGS = [
    *CHROMIUM_ARGS,
    "--use-fake-device-for-media-stream",
    "--use-fake-ui-for-media-stream",
    "--allow-loopback-in-peer-connection",
]


@asynccontextmanager
async def chromium(args: Sequence[str] = CHROMIUM_ARGS) -> AsyncIterator[Browser]:
    """Debian's Chromium, headless, launched for one test."""
    async with async_playwright() as pw:
        b = await pw.chromium.launch(
            executable_path=str(CHROMIUM), args=list(args), headless=True, timeout=WAIT_MS
        )
        try:
            yield b
        finally:
            await b.close()


def browser_settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/e2e.db",
        data_dir=tmp_path,
        secret_key="e2e-secret",  # type: ignore[arg-type]
        admins=["web:admin"],
        match_model="hashing",  # the real recommender with a small embedder
    )


# Mentors for a page of results: (name, what they do, price tap).
MENTORS = (
    ("Anita Desai", "SRE at Razorpay · Python and Docker", "₹100"),
    ("Rahul Venkataraman Iyer", "Backend engineer · Python and Django", "₹100"),
    ("Meera Krishnan", "Data scientist · Python and pandas", "₹100"),
    ("Kabir Shah", "Python teaching assistant at IIT Bombay", "₹100"),
    ("Sana Qureshi", "Python developer · APIs and testing", "₹100"),
    ("Dev Malhotra", "Full-stack developer · Python and React", "₹100"),
)


async def approved_mentors(url: str, settings: Settings, count: int = 1) -> None:
    """The first `count` of MENTORS apply to teach Python over the WebSocket; the admin
    approves each."""
    admin = WebChatClient(url)
    try:
        async with asyncio.timeout(WAIT_MS / 1000 * max(1, count)):
            await admin.open(f"/login?token={login_token(settings.secret(), 'admin')}")
            for name, headline, price in MENTORS[:count]:
                await _apply(url, admin, name, headline, price)
    finally:
        await admin.close()


async def _apply(url: str, admin: WebChatClient, name: str, headline: str, price: str) -> None:
    mentor = WebChatClient(url)
    try:
        first = await mentor.open()
        mentor.last = [m for m in first if m["role"] == "bot"]
        await mentor.press("Mentor")
        await mentor.say(name)
        await answer_age(mentor)
        await mentor.say("Python: advanced")
        await mentor.say("English, Hindi")
        await mentor.say("Pune")
        await mentor.press("Weekday evenings")
        await mentor.say(headline)
        await mentor.say("I run production services and love helping people debug their code.")
        await mentor.say("6")
        await mentor.press(price)
        await mentor.press("10, 20")
        await mentor.press("Skip")
        assert admin.ws is not None
        note: dict[str, Any] = await admin.ws.receive_json()
        assert "New mentor application" in note["text"], note
        admin.last = [note]
        await admin.press("Approve")
        assert f"Approved {name}" in admin.text(), admin.text()
    finally:
        await mentor.close()


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
    await expect(page.get_by_test_id("msg-pending")).to_have_count(0, timeout=WAIT_MS)


async def tap(page: Page, label: str | re.Pattern[str]) -> None:
    """Click the newest button with this label (older messages keep their buttons)."""
    await page.get_by_test_id("action-btn").filter(has_text=label).last.click(timeout=WAIT_MS)


def card(page: Page, name: str) -> Locator:
    """The newest result card of this mentor."""
    return page.get_by_test_id("result-card").filter(has_text=name).last


async def connected(page: Page) -> None:
    status = page.get_by_test_id("status")
    await expect(status).to_have_attribute("data-state", "connected", timeout=WAIT_MS)


async def transcript(page: Page) -> list[str]:
    return await page.get_by_test_id("msg").all_inner_texts()


async def phone_learner_searches(page: Page, url: str, name: str = "Bharat") -> None:
    """A new learner on a phone: says their name, then searches in plain words."""
    await page.goto(url + "/chat", timeout=WAIT_MS)
    await connected(page)
    await bot_says(page, "What would you like to do?")
    await tap(page, "Learn")
    await bot_says(page, "What should people call you?")
    await type_and_send(page, name)
    await bot_says(page, f"Nice to meet you, {name}!")
    await type_and_send(page, "/find python this evening in hindi under 500")
    await bot_says(page, "Best matches")
    await expect(page.get_by_test_id("result-card").first).to_be_visible(timeout=WAIT_MS)


# Every button-like element whose content is wider than its box (a cut label).
CUT_LABELS_JS = """
() => Array.from(document.querySelectorAll('button, a.abtn'))
  .filter((e) => e.offsetParent !== null)
  .filter((e) => e.scrollWidth > e.clientWidth)
  .map((e) => `${e.textContent.trim()} (${e.scrollWidth} > ${e.clientWidth})`)
"""
