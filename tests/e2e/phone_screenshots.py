"""README's phone pictures: the journey of test_results_fit_a_phone at 390×844 in headless
Chromium, against an app on a temporary database, written to docs/.

    python -m tests.e2e.phone_screenshots
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from aiohttp.test_utils import TestServer
from playwright.async_api import async_playwright

from mentorbot.app import create_app
from tests.e2e.browser_support import (
    CHROMIUM,
    CHROMIUM_ARGS,
    PHONE,
    WAIT_MS,
    approved_mentors,
    browser_settings,
    phone_learner_searches,
)

DOCS = Path(__file__).resolve().parents[2] / "docs"


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = browser_settings(Path(tmp))
        srv = TestServer(create_app(settings), host="127.0.0.1")
        await srv.start_server()
        try:
            url = str(srv.make_url("")).rstrip("/")
            await approved_mentors(url, settings, 6)
            async with async_playwright() as pw:
                browser = await pw.chromium.launch(
                    executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=WAIT_MS
                )
                context = await browser.new_context(
                    viewport=PHONE, device_scale_factor=2, is_mobile=True, color_scheme="light"
                )
                context.set_default_timeout(WAIT_MS)
                await context.route(lambda u: not u.startswith(url + "/"), lambda r: r.abort())
                page = await context.new_page()
                await phone_learner_searches(page, url)
                await page.wait_for_timeout(300)  # let the scroll settle (a picture, not a test)
                await page.screenshot(path=str(DOCS / "phone-results.png"))
                # The rest of the page: ✖ chips, paging and filters as small pills.
                await page.locator("#scroller").evaluate("(s) => { s.scrollTop = s.scrollHeight; }")
                await page.wait_for_timeout(300)
                await page.screenshot(path=str(DOCS / "phone-results-end.png"))
                await browser.close()
        finally:
            await srv.close()
    print(f"wrote {DOCS / 'phone-results.png'} and {DOCS / 'phone-results-end.png'}")


if __name__ == "__main__":
    asyncio.run(main())
