"""Posting a pay form as a browser does: open the page first, send back its CSRF token with
the cookie it was issued with (aiohttp's client keeps no cookies for 127.0.0.1)."""

from __future__ import annotations

import re

import aiohttp
from yarl import URL


async def pay_form(
    http: aiohttp.ClientSession, page_url: str | URL, **fields: str
) -> tuple[dict[str, str], dict[str, str]]:
    """(form data with the csrf field, headers with its cookie) for a POST from this page."""
    async with http.get(page_url) as r:
        assert r.status == 200, r.status
        page = await r.text()
        cookie = r.cookies["mb_csrf"].value if "mb_csrf" in r.cookies else ""
    found = re.search(r"name=csrf value='([^']+)'", page)
    assert found is not None, "the page has no CSRF token"
    headers = {"Cookie": f"mb_csrf={cookie}"} if cookie else {}
    return {**fields, "csrf": found.group(1)}, headers
