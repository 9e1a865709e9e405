"""A WebSocket client that isn't the chat page: it floods after many "slow down" answers, or
keeps sending messages over the size limit. It is closed with a close code and a reason;
the person can come back on a new socket, and a normal burst is never closed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bots.web.limits import (
    BURST,
    CLOSED_FLOOD,
    CLOSED_TOO_BIG,
    FRAME_TOO_BIG,
    MAX_FRAME_BYTES,
    SLOW_DOWN,
    SLOW_DOWNS,
    TOO_BIG,
)
from core.messaging import MAX_TEXT
from tests.e2e.webclient import WebChatClient
from tests.fuzz_support import app_server, problems


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    async with app_server(tmp_path, "abuse") as srv:
        yield srv


async def until_closed(
    ws: aiohttp.ClientWebSocketResponse,
) -> tuple[list[dict[str, str]], int, str]:
    """Every frame up to the close, the close code and reason (bounded: 2,000 frames)."""
    frames = []
    for _ in range(2000):
        msg = await ws.receive(timeout=15)
        if msg.type == aiohttp.WSMsgType.CLOSE:
            return frames, int(msg.data), str(msg.extra)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        frames.append(msg.json())
    raise AssertionError("the socket was never closed")


async def test_a_flood_after_many_slow_downs_is_closed_with_1008(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    c = WebChatClient(str(server.make_url("")).rstrip("/"))
    await c.open()
    assert c.ws is not None
    sent = 300
    for i in range(sent):
        await c.ws.send_json({"type": "text", "text": f"spam {i}"})
    frames, code, reason = await until_closed(c.ws)
    assert (code, reason) == (aiohttp.WSCloseCode.POLICY_VIOLATION, CLOSED_FLOOD)
    slowed = [f for f in frames if f["type"] == "error" and f["text"] == SLOW_DOWN]
    assert len(slowed) >= SLOW_DOWNS
    assert sum(f["type"] == "done" for f in frames) + len(slowed) < sent
    await c.ws.close()
    # The same person reconnects and is heard again once their allowance has refilled a
    # little (reconnecting doesn't reset it).
    await c.open()
    await asyncio.sleep(1.0)
    await c.say("/help")
    assert c.last
    assert problems(caplog) == []
    await c.close()


async def test_messages_over_the_size_limit_again_and_again_are_closed_with_1009(
    server: TestServer,
) -> None:
    c = WebChatClient(str(server.make_url("")).rstrip("/"))
    await c.open()
    assert c.ws is not None
    for _ in range(TOO_BIG + 1):
        await c.ws.send_json({"type": "text", "text": "x" * (MAX_TEXT + 1)})
    frames, code, reason = await until_closed(c.ws)
    # Each is refused in words until the allowance is used up, then the socket is closed.
    assert [f["text"] for f in frames] == [
        f"Messages can be at most {MAX_TEXT} characters."
    ] * TOO_BIG
    assert (code, reason) == (aiohttp.WSCloseCode.MESSAGE_TOO_BIG, CLOSED_TOO_BIG)
    await c.close()


async def test_a_frame_over_the_frame_limit_is_closed_with_1009_and_a_reason(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    c = WebChatClient(str(server.make_url("")).rstrip("/"))
    await c.open()
    assert c.ws is not None
    await c.ws.send_str('{"type":"text","text":"' + "y" * MAX_FRAME_BYTES + '"}')
    msg = await c.ws.receive(timeout=15)
    assert msg.type == aiohttp.WSMsgType.CLOSE
    assert (msg.data, msg.extra) == (aiohttp.WSCloseCode.MESSAGE_TOO_BIG, FRAME_TOO_BIG)
    await c.ws.close()
    # Back on a new socket, the conversation goes on.
    await c.open()
    await c.say("/help")
    assert c.last
    assert problems(caplog) == []
    await c.close()


async def test_junk_frames_count_against_the_rate_too(server: TestServer) -> None:
    c = WebChatClient(str(server.make_url("")).rstrip("/"))
    await c.open()
    assert c.ws is not None
    sent = 45
    for _ in range(sent):
        await c.ws.send_str("not json")
    texts = [(await c.ws.receive_json(timeout=15))["text"] for _ in range(sent)]
    assert SLOW_DOWN in texts and "I didn't understand that message." in texts
    assert not c.ws.closed
    await c.close()


async def _flood(ws: aiohttp.ClientWebSocketResponse, n: int) -> int:
    """Send n texts at once; the number answered "slow down" (every frame gets an answer)."""
    for i in range(n):
        await ws.send_json({"type": "text", "text": f"hi {i}"})
    answered = slowed = 0
    while answered + slowed < n:
        frame = await ws.receive_json(timeout=20)
        if frame["type"] == "done":
            answered += 1
        elif frame["type"] == "error" and frame["text"] == SLOW_DOWN:
            slowed += 1
    return slowed


async def test_reconnecting_does_not_reset_the_rate(server: TestServer) -> None:
    """A flooder can't refill its allowance by closing the tab and opening another."""
    url = str(server.make_url("")).rstrip("/")
    c = WebChatClient(url)
    await c.open()
    assert c.ws is not None
    assert await _flood(c.ws, BURST + 20) >= 1
    await c.ws.close()
    await c.open()
    # A fresh allowance would answer all 20 (BURST is 30); the kept one has refilled only
    # by the time the reconnect took.
    assert await _flood(c.ws, 20) >= 1
    await c.close()
