"""Hypothesis over every HTTP route of the app (listed from its router, so a new route is
covered by itself), each with arbitrary path values (or the right token), query strings, headers
and bodies, over real HTTP on 127.0.0.1. Never a 5xx, never a traceback in the log."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import quote

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st
from yarl import URL

from bots.web.identity import login_token, sign_cookie
from core.calendar import feed_token
from tests.e2e.rooms_support import Call, call_settings, pay_token, start_call
from tests.fuzz_support import JSON_VALUES, NASTY, deep, fuzz, problems

SECRET = call_settings(Path("."), match_model="hashing").secret()


@pytest.fixture
async def call(tmp_path: Path) -> AsyncIterator[Call]:
    async for c in start_call(tmp_path, match_model="hashing"):
        yield c


@pytest.fixture
async def targets(call: Call) -> tuple[list[tuple[str, str]], dict[str, str]]:
    return routes(call), await tokens(call)


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def routes(call: Call) -> list[tuple[str, str]]:
    """(method, path template) of every route the app serves."""
    out = set()
    for r in call.server.app.router.routes():
        info = r.resource.get_info() if r.resource is not None else {}
        template = info.get("formatter") or info.get("path") or f"{info.get('prefix')}/{{name}}"
        out.add((r.method, str(template)))
    return sorted(out)


async def tokens(call: Call) -> dict[str, str]:
    """The right token for each kind of path, so the fuzz gets past the first check."""
    return {
        "/pay/": await pay_token(call),
        "/room/static/": "room.js",
        "/room/": call.token("learner"),
        "/calendar/": feed_token(call.core.signing_keys, call.learner),
        "/static/": "chat.js",
        "/login": login_token(SECRET, "fuzzer"),
        "": call.token("mentor"),
    }


def right(known: dict[str, str], template: str) -> str:
    return next(v for k, v in known.items() if template.startswith(k))


PRINTABLE = st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=60)
HEADER_NAMES = st.sampled_from(
    [
        "Content-Type",
        "Origin",
        "Cookie",
        "Accept",
        "X-Razorpay-Signature",
        "X-Razorpay-Event-Id",
        "Upgrade",
        "Connection",
        "Sec-WebSocket-Version",
        "Sec-WebSocket-Key",
        "If-Modified-Since",
        "Range",
        "Accept-Encoding",
        "X-Forwarded-For",
    ]
)
BODIES = st.one_of(
    st.binary(max_size=300),
    JSON_VALUES.map(lambda v: json.dumps(v).encode()),
    st.builds(lambda d: deep(d).encode(), st.integers(1, 20_000)),
    st.dictionaries(PRINTABLE, PRINTABLE, max_size=4).map(
        lambda d: "&".join(f"{quote(k)}={quote(v)}" for k, v in d.items()).encode()
    ),
    st.sampled_from([b"", b"outcome=pay", b'{"token":"x","sdp":"v=0"}', b"\xff" * 20_000]),
)


def segment(value: str) -> str:
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


@fuzz(60)
@given(
    value=st.one_of(st.none(), NASTY),  # None: the right token for the path
    good_query=st.booleans(),
    good_origin=st.booleans(),
    query=st.lists(st.tuples(NASTY, NASTY), max_size=3),
    headers=st.dictionaries(HEADER_NAMES, PRINTABLE, max_size=4),
    body=BODIES,
    cookie=st.booleans(),
)
async def test_any_request_to_any_route_is_answered_without_a_5xx(
    call: Call,
    targets: tuple[list[tuple[str, str]], dict[str, str]],
    http: aiohttp.ClientSession,
    caplog: pytest.LogCaptureFixture,
    value: str | None,
    good_query: bool,
    good_origin: bool,
    query: list[tuple[str, str]],
    headers: dict[str, str],
    body: bytes,
    cookie: bool,
) -> None:
    table, known = targets
    for method, template in table:  # every route, each with this example's inputs
        filler = right(known, template) if value is None else value
        params = [("token", right(known, template)), *query] if good_query else query
        sent = {**headers, "Origin": call.url} if good_origin else dict(headers)
        if cookie:
            sent["Cookie"] = f"mb_web={sign_cookie(SECRET, 'fuzzer')}"
        path = template
        while "{" in path:
            head, _, rest = path.partition("{")
            _name, _, tail = rest.partition("}")
            path = head + segment(filler) + tail
        qs = "&".join(f"{segment(k)}={segment(v)}" for k, v in params)
        url = URL(f"{call.url}{path}" + (f"?{qs}" if qs else ""), encoded=True)
        data = body if method in ("POST", "PUT", "PATCH") else None
        async with http.request(method, url, headers=sent, data=data, allow_redirects=False) as r:
            await r.read()
            assert r.status < 500, (method, str(url), sent, body[:200], r.status)
    assert problems(caplog) == []
