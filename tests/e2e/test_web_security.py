"""Every page sends security headers, no template has inline script, and a state-changing
form posted without its CSRF token (or with one made for another cookie) is refused with 403.
Real HTTP on 127.0.0.1 against the whole app (issue 18, part 6)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import aiohttp
from aiohttp.test_utils import TestServer

from tests.e2e.test_payments_http import (  # noqa: F401  (fixtures)
    core_of,
    http,
    new_payment,
    server,
    settings,
    state_of,
)
from tests.pay_support import pay_form

ROOT = Path(__file__).resolve().parents[2]


def _check(h: Mapping[str, str], path: str) -> None:
    csp = h.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp, (path, csp)
    script = re.search(r"script-src ([^;]*)", csp) or re.search(r"default-src ([^;]*)", csp)
    assert script is not None and "unsafe-inline" not in script.group(1), (path, csp)
    assert h.get("X-Content-Type-Options") == "nosniff", path
    assert h.get("Referrer-Policy"), path


async def test_every_page_sends_security_headers(
    server: TestServer,  # noqa: F811
    http: aiohttp.ClientSession,  # noqa: F811
) -> None:
    p = await new_payment(core_of(server))
    paths = [
        "/",
        "/chat",
        "/healthz",
        "/static/chat.js",
        f"/pay/{p.token}",
        "/pay/static/checkout.js",
        "/pay/not-a-token",
        "/room/not-a-token",
        "/no/such/page",
    ]
    for path in paths:
        async with http.get(server.make_url(path), allow_redirects=False) as r:
            assert r.status < 500, (path, r.status)
            _check(r.headers, path)


def test_no_template_has_inline_script_or_handlers() -> None:
    templates = [
        f
        for d in ("bots/web/templates", "calls/templates", "payments/templates", "core/templates")
        for f in (ROOT / d).glob("*.html")
    ]
    assert len(templates) > 5
    for f in templates:
        text = f.read_text()
        for m in re.finditer(r"<script([^>]*)>(.*?)</script>", text, re.S):
            assert "src=" in m.group(1) and not m.group(2).strip(), (f.name, m.group(0)[:80])
        assert not re.search(r"\son[a-z]+\s*=", text), f.name


async def test_a_pay_form_without_its_csrf_token_is_refused(
    server: TestServer,  # noqa: F811
    http: aiohttp.ClientSession,  # noqa: F811
) -> None:
    core = core_of(server)
    p = await new_payment(core)
    url = server.make_url(f"/pay/{p.token}/sandbox")
    data, headers = await pay_form(http, server.make_url(f"/pay/{p.token}"), outcome="pay")
    # No token at all; a token but no cookie; a token made for another visitor's cookie.
    async with aiohttp.ClientSession() as stranger:
        _, other = await pay_form(stranger, server.make_url(f"/pay/{p.token}"))
    for form, hdrs in (
        ({"outcome": "pay"}, headers),
        (data, {}),
        (data, other),
        ({**data, "csrf": data["csrf"] + "x"}, headers),
    ):
        async with http.post(url, data=form, headers=hdrs, allow_redirects=False) as r:
            assert r.status == 403, (form, hdrs)
    ret = server.make_url(f"/pay/{p.token}/return")
    async with http.post(ret, data={"razorpay_order_id": "x"}, allow_redirects=False) as r:
        assert r.status == 403
    assert await state_of(core, p.id) == ("created", {}, [])
    async with http.post(url, data=data, headers=headers, allow_redirects=False) as r:
        assert r.status == 303  # the real form, as the page sent it, goes through
