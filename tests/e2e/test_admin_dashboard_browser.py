"""The admin dashboard in Debian's headless Chromium (issue 17): the admin signs in by the
login link, reads the stats and the queues, and splits a dispute through the queue's form.
Screenshots are saved along the way (to MENTORBOT_SCREENSHOTS when set: README's pictures in
docs/ come from this test)."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from playwright.async_api import ViewportSize, expect

from bots.web.identity import login_token
from core.app import CoreApp
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.admin_support import sandbox_pay, session, status_of
from tests.e2e.browser_support import WAIT_MS, chromium
from tests.e2e.test_admin_queues import chat_once
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_admin_stats import seed_known

DESKTOP: ViewportSize = {"width": 1280, "height": 900}


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/dash.db",
        data_dir=tmp_path,
        secret_key="dashboard-secret",
        admins=["web:admin"],
        match_model="none",
        tick_seconds=0,
    )


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def test_dashboard_in_chromium(
    server: TestServer, settings: Settings, tmp_path: Path
) -> None:
    base = str(server.make_url("")).rstrip("/")
    shots = Path(os.environ.get("MENTORBOT_SCREENSHOTS", "") or tmp_path)
    await chat_once(base, settings, "admin")
    core: CoreApp = server.app[CORE]
    await seed_known(core, core.deps.clock.now())
    disputed = await session(core, sandbox_pay(core))
    await apply_as_mentor(core, "arjun")
    async with core.uow() as u:
        await u.safety.report(
            disputed.learner_id, disputed.mentor_id, "no-show", "Second no-show this month"
        )

    async with chromium() as browser:
        page = await browser.new_page(viewport=DESKTOP)
        token = login_token(settings.secret(), "admin")
        await page.goto(f"{base}/admin/login?token={token}", timeout=WAIT_MS)
        assert page.url == f"{base}/admin"
        await expect(page.locator("figure.chart img")).to_have_count(7, timeout=WAIT_MS)
        assert await page.locator("figure.chart img").first.evaluate("i => i.naturalWidth") > 0
        await page.screenshot(path=str(shots / "admin-dashboard-stats.png"))

        await page.get_by_role("link", name="Queues").click()
        await expect(page.get_by_role("heading", name="Disputes (1)")).to_be_visible(
            timeout=WAIT_MS
        )
        await expect(page.get_by_role("heading", name="Mentor applications (1)")).to_be_visible()
        await expect(page.get_by_text("The mentor never showed up")).to_be_visible()
        await expect(page.get_by_role("heading", name="Reports (1)")).to_be_visible()
        await page.screenshot(path=str(shots / "admin-dashboard-queues.png"), full_page=True)

        dispute = page.locator(f"#dispute-{disputed.booking_id}")
        await dispute.get_by_role("radio", name="Split").check()
        await dispute.get_by_label(re.compile("Learner's part")).fill("50%")
        await dispute.get_by_label(re.compile("Reason")).fill("Half the session happened")
        await dispute.get_by_role("button", name="Decide").click()
        await expect(page.get_by_role("status")).to_contain_text(
            "₹50 goes back to the learner", timeout=WAIT_MS
        )
        await page.screenshot(path=str(shots / "admin-dashboard-decided.png"))

        # Back to the queues (pages are never cached): the dispute is decided and gone.
        await page.get_by_role("link", name="Back to the queues").click()
        await expect(page.get_by_role("heading", name="Disputes (0)")).to_be_visible(
            timeout=WAIT_MS
        )

    assert await status_of(core, disputed.booking_id) == "completed"
    for name in ("stats", "queues", "decided"):
        png = (shots / f"admin-dashboard-{name}.png").read_bytes()
        assert png.startswith(b"\x89PNG")
