"""The real webhook route (create_app, aiohttp, the bot and core behind it) under hostile
bodies and headers: a clean 2xx/4xx every time, never a 500 or a traceback."""

from __future__ import annotations

import json
import logging
import string
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bots.telegram.bot import TelegramBot
from bots.telegram.setup import TELEGRAM
from tests.adapters.telegram.conftest import SECRET
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.updates import UPDATES
from webhooks.telegram import MAX_BODY, PATH, SECRET_HEADER, TELEGRAM_WEBHOOK

NESTED = b"[" * 30_000 + b"]" * 30_000  # 60 KB, far under the size limit
CLEAN = {200, 400, 403, 413}


async def _send(srv: TestServer, body: Any, headers: dict[str, str]) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as s,
        s.post(str(srv.make_url(PATH)), data=body, headers=headers) as r,
    ):
        return r.status, await r.text()


def _errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


async def test_deeply_nested_json_with_the_right_secret_is_a_400(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    for body in (
        NESTED,
        b'{"update_id": 1, "message": ' + NESTED + b"}",
        b'{"a":' * 30_000 + b"1" + b"}" * 30_000,
    ):
        assert len(body) < MAX_BODY
        assert await _send(server, body, {SECRET_HEADER: SECRET}) == (400, "not JSON")
    # Content-Encoding: gzip over bytes that aren't gzip: aiohttp can't decode the body.
    gzip = {SECRET_HEADER: SECRET, "Content-Encoding": "gzip"}
    assert (await _send(server, b"not gzip at all" * 100, gzip))[0] == 400
    assert _errors(caplog) == []


async def test_json_that_is_no_update_is_a_400_or_acknowledged(
    api: FakeBotAPI, server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    not_updates: list[Any] = [[], 1, "x", None, {}, {"update_id": "1"}, {"update_id": True}]
    not_updates += [
        {"update_id": 10**30},
        {"update_id": -1},
        {"update_id": 1.5},
        [{"update_id": 1}],
    ]
    for body in not_updates:
        assert await _send(server, json.dumps(body), {SECRET_HEADER: SECRET}) == (
            400,
            "not an update",
        ), body
    unreadable = [
        {"update_id": 77, "message": "garbage"},
        {"update_id": 78, "message": {"chat": {"id": "x"}}},
        {"update_id": 79, "callback_query": {"from": {"id": 10**40}}},
    ]
    for body in unreadable:
        # An update_id, but no update aiogram can read: Telegram would retry a 4xx forever.
        assert (await _send(server, json.dumps(body), {SECRET_HEADER: SECRET}))[0] == 200
    assert "telegram update 77 unreadable (ValidationError); ignored" in caplog.text
    for body in (b"\xff\xfe\x00garbage", b"[1,", b"9" * 5000):
        assert await _send(server, body, {SECRET_HEADER: SECRET}) == (400, "not JSON")
    assert api.count("sendMessage") == 0
    assert _errors(caplog) == []


async def test_a_chunked_body_over_the_limit_is_a_413(server: TestServer) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(MAX_BODY // 65_536 + 2):
            yield b" " * 65_536

    assert (await _send(server, chunks(), {SECRET_HEADER: SECRET}))[0] == 413


_PRINTABLE = st.text(alphabet=string.ascii_letters + string.digits + " _-:;/=.,", max_size=30)
BODIES = st.one_of(
    UPDATES.map(lambda u: json.dumps(u).encode()),
    st.binary(max_size=300),
    st.integers(min_value=1, max_value=40_000).map(lambda n: b"[" * n + b"]" * n),
    st.integers(min_value=1, max_value=40_000).map(lambda n: b'{"a":' * n + b"0" + b"}" * n),
)
HEADERS = st.fixed_dictionaries(
    {},
    optional={
        SECRET_HEADER: st.one_of(st.just(SECRET), st.just(SECRET), _PRINTABLE),
        "Content-Type": st.sampled_from(
            [
                "application/json",
                "text/plain",
                "multipart/form-data",
                "application/json; charset=latin-1",
            ]
        )
        | _PRINTABLE,
        "Content-Encoding": st.sampled_from(["gzip", "deflate", "br", "identity"]) | _PRINTABLE,
        "X-Anything": _PRINTABLE,
    },
)


# aiogram warns once about update types newer than itself; they are still acknowledged.
@pytest.mark.filterwarnings("ignore:Detected unknown update type")
@settings(
    max_examples=120,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=BODIES, headers=HEADERS)
@example(body=NESTED, headers={SECRET_HEADER: SECRET})
@example(body=b"not gzip at all", headers={SECRET_HEADER: SECRET, "Content-Encoding": "gzip"})
async def test_any_body_and_headers_get_a_clean_answer(
    server: TestServer, caplog: pytest.LogCaptureFixture, body: bytes, headers: dict[str, str]
) -> None:
    caplog.clear()  # one server for every example: look at this one's records only
    status, _ = await _send(server, body, headers)
    assert status in CLEAN, (status, body[:200], headers)
    await server.app[TELEGRAM_WEBHOOK].settle()
    assert _errors(caplog) == []


async def test_after_the_hostile_bodies_a_fresh_user_is_served(
    api: FakeBotAPI, server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    for body in (NESTED, b"\x00" * 100, json.dumps({"update_id": 5, "message": 5}).encode()):
        assert (await _send(server, body, {SECRET_HEADER: SECRET}))[0] in (200, 400)
    tg: TelegramBot = server.app[TELEGRAM]
    start = {"update_id": 6, **api.text_update(31337, "/start")}
    assert await _send(
        server, json.dumps(start), {SECRET_HEADER: SECRET, "Content-Type": "application/json"}
    ) == (200, '{"ok": true}')
    await tg.wait_finished(6)
    assert any("What would you like to do?" in m.plain for m in api.chat_messages(31337))
    assert _errors(caplog) == []
