"""chat.js itself (Debian's headless Chromium) in front of two real workers behind nginx on
PostgreSQL and Redis (issue 21): the person's message is in flight on the worker that is
killed — that worker waits, mid-step, on the person's conversation row, which the test
holds — and the page reconnects through nginx to the other worker, sends the message again
under its id, and it is answered exactly once; after a reload the transcript holds it once."""

from __future__ import annotations

import asyncio
import secrets
import signal
from contextlib import AsyncExitStack
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from sqlalchemy import text as sa_text

from core.db.engine import Database
from tests.e2e.nginx_support import nginx_in_front
from tests.e2e.test_nginx_workers import (  # noqa: F401 (database_url: a fixture)
    REDIS_URL,
    chat_sockets,
    database_url,
    waiting_on_a_lock,
)
from tests.e2e.test_workers_scheduler import worker

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium", allow_module_level=True)
try:
    from playwright.async_api import expect

    from tests.e2e.browser_support import WAIT_MS, chromium, connected
except ImportError:
    pytest.skip("the playwright package is not installed", allow_module_level=True)

USER_MSG = '[data-testid="msg"][data-role="user"]'
BOT_MSG = '[data-testid="msg"][data-role="bot"]'


async def test_the_page_resends_a_message_lost_with_its_worker_and_it_is_answered_once(
    database_url: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    env = {
        "MENTORBOT_DATABASE_URL": database_url,
        "MENTORBOT_REDIS_URL": REDIS_URL,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "inflight-browser-" + secrets.token_hex(4),
        "MENTORBOT_MATCH_MODEL": "none",
        "MENTORBOT_TICK_SECONDS": "0",
    }
    async with AsyncExitStack() as stack, aiohttp.ClientSession() as http:
        a = await stack.enter_async_context(worker("a", env, tmp_path / "a.log"))
        b = await stack.enter_async_context(worker("b", env, tmp_path / "b.log"))
        ports = [int(urlsplit(w.base).port or 0) for w in (a, b)]
        base = await stack.enter_async_context(nginx_in_front(ports, tmp_path / "nginx"))
        browser = await stack.enter_async_context(chromium())
        page = await browser.new_page()
        await page.goto(base + "/chat", timeout=WAIT_MS)
        await connected(page)
        await expect(page.locator(BOT_MSG).first).to_be_visible(timeout=WAIT_MS)
        greeting = await page.locator(BOT_MSG).count()
        held = [await chat_sockets(http, w) for w in (a, b)]
        assert sorted(held) == [0, 1], held
        doomed = a if held[0] else b

        locker = Database.from_url(database_url)
        stack.push_async_callback(locker.dispose)
        async with locker.transaction() as s:
            await s.execute(
                sa_text("SELECT id FROM conversations WHERE platform = 'web' FOR UPDATE")
            )
            box = page.get_by_test_id("input")
            await box.press_sequentially("Learn", timeout=WAIT_MS)
            await box.press("Enter", timeout=WAIT_MS)
            for _ in range(100):
                if await waiting_on_a_lock(database_url):
                    break
                await asyncio.sleep(0.1)
            else:
                raise AssertionError("the step never reached the conversation row")
            doomed.proc.send_signal(signal.SIGKILL)
            await doomed.proc.wait()
            await s.rollback()

        # Reconnected (backoff from 0.5 s), re-sent under its id, answered.
        await expect(page.get_by_test_id("msg-pending")).to_have_count(0, timeout=3 * WAIT_MS)
        await expect(page.locator(USER_MSG).filter(has_text="Learn")).to_have_count(1)
        await expect(page.locator(BOT_MSG)).not_to_have_count(greeting, timeout=WAIT_MS)
        answered = await page.locator(BOT_MSG).count()
        outbox = await page.evaluate("sessionStorage.getItem('mentorbot.web.outbox.v1')")
        assert outbox is None, outbox

        # The stored transcript, as a reload shows it: the line once, its answer once.
        await page.reload(timeout=WAIT_MS)
        await connected(page)
        await expect(page.locator(BOT_MSG)).to_have_count(answered, timeout=WAIT_MS)
        await expect(page.locator(USER_MSG)).to_have_count(1)
        await expect(page.locator(USER_MSG).filter(has_text="Learn")).to_have_count(1)
