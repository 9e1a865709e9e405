"""Hypothesis over the web chat: the frame parser alone, then the live handler over a real
WebSocket on 127.0.0.1. Every frame gets an answer (a reply that ends in `done`, or an
`error` frame), the socket stays open, and nothing reaches the log as an error."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from hypothesis import example, given
from hypothesis import strategies as st

from bots.web.inbound import Hello, Refused, Said, read
from core.dialogs import build_registry
from core.messaging import MAX_TEXT, ActionIn
from core.numbers import MAX_DB_INT
from core.payloads import MAX_CHARS
from tests.e2e.webclient import WebChatClient
from tests.fuzz_support import JSON_VALUES, NASTY, app_server, deep, dumps, fuzz, problems

REGISTRY = build_registry()
PREFIXES = sorted(
    set(REGISTRY.actions) | {p for d in REGISTRY.dialogs.values() for p in d.prefixes}
)
KINDS = st.sampled_from(["hello", "text", "action", "shout", "", None, 5])


def shaped() -> st.SearchStrategy[str]:
    """Frames shaped like the page's, with every field any JSON value."""
    payloads = st.one_of(
        JSON_VALUES,
        st.builds(
            lambda p, parts: ":".join([p, *parts]),
            st.sampled_from(PREFIXES),
            st.lists(NASTY, max_size=4),
        ),
    )
    return st.fixed_dictionaries(
        {"type": KINDS},
        optional={
            "text": st.one_of(
                NASTY, JSON_VALUES, st.text(min_size=MAX_TEXT - 2, max_size=MAX_TEXT + 2)
            ),
            "payload": payloads,
            "label": JSON_VALUES,
            "last_seq": JSON_VALUES,
        },
    ).map(dumps)


FRAMES = st.one_of(
    shaped(),
    st.text(max_size=60),
    JSON_VALUES.map(dumps),
    st.integers(min_value=1, max_value=30_000).map(deep),  # under the 64 KiB frame limit,
    st.builds(lambda d: '{"type":"text","text":' + deep(d) + "}", st.integers(1, 20_000)),
)


@fuzz(400)
@given(raw=FRAMES)
def test_the_frame_parser_reads_anything_into_the_model_or_a_refusal(raw: str) -> None:
    m = read(raw)
    assert m is None or isinstance(m, Hello | Said | Refused)
    if isinstance(m, Hello):
        assert 0 <= m.last_seq <= MAX_DB_INT and type(m.last_seq) is int
    if isinstance(m, Said):
        assert len(m.echo) <= MAX_TEXT
        if isinstance(m.inbound, ActionIn):
            assert len(m.inbound.payload) <= MAX_CHARS
    if isinstance(m, Refused):
        assert m.text and m.text[-1] in ".!"


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    async with app_server(tmp_path, "fuzz") as srv:
        yield srv


async def answer(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    """Read until the frame's answer is complete; returns the closing `done` or `error`."""
    while True:
        msg = await ws.receive(timeout=15)
        assert msg.type == aiohttp.WSMsgType.TEXT, (msg.type, msg.data, msg.extra)
        frame: dict[str, Any] = json.loads(msg.data)
        if frame["type"] in ("done", "error"):
            return frame


@fuzz(50)
@example(
    frames=[
        '{"type":"text","text":"Ra\\ud800vi\\u0000"}',  # a lone surrogate in the echo
        '{"type":"action","payload":"bk:book:99999999999999999999","label":"\\udfff"}',
        '{"type":"text","text":"   "}',
        '{"type":"hello","last_seq":true}',
        deep(30_000),
        b"\x00binary",
    ]
)
@given(frames=st.lists(st.one_of(FRAMES.map(str), st.binary(max_size=40)), min_size=1, max_size=6))
async def test_any_frames_over_a_live_socket_are_each_answered(
    server: TestServer, caplog: pytest.LogCaptureFixture, frames: list[str | bytes]
) -> None:
    # A new person each time, so the per-person rate limit doesn't answer for the handler.
    c = WebChatClient(str(server.make_url("")).rstrip("/"))
    try:
        first = await c.open()
        assert any("What would you like to do?" in m["text"] for m in first)
        assert c.ws is not None
        for frame in frames:
            if isinstance(frame, bytes):
                await c.ws.send_bytes(frame)
            else:
                await c.ws.send_str(frame)
            end = await answer(c.ws)
            assert end["type"] == "done" or end["text"], end
            assert not c.ws.closed
        # The conversation still goes on.
        await c.say("/help")
        assert c.last
    finally:
        await c.close()
    assert problems(caplog) == []


async def test_a_made_up_profile_id_in_search_results_is_no_click(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by bench/fuzz_soak.py: `pv:-1` pressed in search results was logged as a click
    on mentor -1 (the recommender's log), broke its foreign key and failed the step."""
    c = WebChatClient(str(server.make_url("")).rstrip("/"))
    await c.open()
    await c.say("/find python")
    assert c.ws is not None
    for payload in ("pv:-1", "pv:0", "pv:2147483647"):
        await c.ws.send_json({"type": "action", "payload": payload, "label": "x"})
        assert (await answer(c.ws))["type"] == "done"
    assert problems(caplog) == []
    await c.close()
