"""Clients that vanish while their answer is being written (issue #14, class 8): every page,
the web chat and the call-room socket, over raw TCP reset mid-answer, many times. A reset
connection is normal: no ERROR record and no traceback in the server's log, and the server
goes on serving a fresh user."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from bots.web.identity import login_token, sign_cookie
from bots.web.setup import WEBCHAT
from calls.web import ROOM_BURST, ROOM_SLOW_DOWNS, ROOMS
from core.calendar import feed_token
from tests.e2e.rawclient import request, send_and_reset, text_frame, upgrade
from tests.e2e.rooms_support import Call, call_settings, pay_token, start_call
from tests.e2e.webclient import WebChatClient

ROUNDS = 8  # each kind of drop, at a few points in the answer
WAITS = (0.0, 0.005, 0.02, 0.08)


@pytest.fixture
async def call(tmp_path: Path) -> AsyncIterator[Call]:
    async for c in start_call(tmp_path, match_model="hashing"):
        yield c


def problems(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [
        f"{r.name} {r.levelname}: {r.getMessage()}"
        for r in caplog.records
        if r.levelno >= logging.ERROR or r.exc_info is not None
    ]


async def settled(call: Call) -> None:
    """Bounded wait until the server has noticed every dropped socket."""
    chat = call.server.app[WEBCHAT]
    rooms = call.server.app[ROOMS]
    for _ in range(200):
        if not chat.sockets and not any(r.seats for r in rooms.rooms.values()):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"sockets still open: {chat.sockets} {rooms.rooms}")


async def test_clients_that_reset_mid_answer_leave_no_traceback(
    call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    srv = call.server
    host, port = "127.0.0.1", int(srv.port or 0)
    hostport = f"{host}:{port}"
    secret = call_settings(Path("."), match_model="hashing").secret()
    pay = await pay_token(call)
    room = call.token("learner")
    pages = [
        request("GET", "/chat", hostport),
        request("GET", "/healthz", hostport),
        request("GET", "/static/chat.js", hostport),
        request("GET", f"/login?token={login_token(secret, 'dropper')}", hostport),
        request(
            "GET", f"/calendar/{feed_token(call.core.signing_keys, call.learner)}.ics", hostport
        ),
        request("GET", f"/pay/{pay}", hostport),
        request(
            "POST",
            f"/pay/{pay}/sandbox",
            hostport,
            {"Content-Type": "application/x-www-form-urlencoded"},
            b"outcome=fail",
        ),
        request("GET", f"/room/{room}", hostport),
        request("GET", f"/room/{room}/check", hostport),
        request("GET", f"/room/{room}/recordings", hostport),
        request("GET", "/room/static/room.js", hostport),
    ]
    origin = {"Origin": call.url}
    chats = []
    for i in range(ROUNDS):
        cookie = {"Cookie": f"mb_web={sign_cookie(secret, f'dropper{i % 3}')}", **origin}
        frames = text_frame('{"type":"hello","last_seq":0}') + b"".join(
            text_frame(f'{{"type":"text","text":"/help {n}"}}') for n in range(5)
        )
        chats.append(upgrade("/ws", hostport, cookie) + frames)
    room_frames = b"".join(
        text_frame(t)
        for t in ('{"type":"ping","t":1}', "not json", '{"type":"chat","text":"hi"}', "[" * 5000)
    )
    sockets = [upgrade(f"/room/ws?token={room}", hostport, origin) + room_frames]
    for wait in WAITS:
        drops = [send_and_reset(host, port, data, wait_s=wait) for data in pages + chats + sockets]
        await asyncio.gather(*drops)
        # The learner's room seat is taken over by the next rude tab, one at a time.
        for _ in range(ROUNDS // 2):
            await send_and_reset(host, port, sockets[0], wait_s=wait)
    await settled(call)
    await asyncio.sleep(0.2)  # writes still under way when the sockets went
    assert problems(caplog) == []

    fresh = WebChatClient(call.url)
    first = await fresh.open()
    assert any("What would you like to do?" in m["text"] for m in first)
    await fresh.close()
    assert problems(caplog) == []


async def test_room_socket_answers_deeply_nested_json_and_stays_open(
    call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    """Found by the disconnect test: JSON nested thousands deep used to end the room socket
    with a RecursionError traceback, and the device check answered it with a 500."""
    deep = "[" * 5000 + "]" * 5000
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(
            f"{call.url}/room/ws",
            params={"token": call.token("learner")},
            headers={"Origin": call.url},
        )
        assert (await ws.receive_json(timeout=10))["type"] == "welcome"
        await ws.send_str(deep)
        assert await ws.receive_json(timeout=10) == {"type": "error", "reason": "not JSON"}
        await ws.send_json({"type": "ping", "t": 7})
        assert await ws.receive_json(timeout=10) == {"type": "pong", "t": 7}
        await ws.close()
        async with http.post(
            f"{call.url}/room/check/offer",
            data=deep,
            headers={"Origin": call.url, "Content-Type": "application/json"},
        ) as r:
            assert r.status == 400
    assert problems(caplog) == []


async def test_a_flooding_room_client_is_slowed_then_closed(
    call: Call, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue #14, limits on every socket: the room socket answers a flood with "slow down",
    and a client that keeps going is closed with 1008 and a reason."""
    async with aiohttp.ClientSession() as http:
        ws = await http.ws_connect(
            f"{call.url}/room/ws",
            params={"token": call.token("learner")},
            headers={"Origin": call.url},
        )
        assert (await ws.receive_json(timeout=10))["type"] == "welcome"
        sent = ROOM_BURST + ROOM_SLOW_DOWNS + 100
        for i in range(sent):
            await ws.send_json({"type": "ping", "t": i})
        slowed = pongs = 0
        while True:
            msg = await ws.receive(timeout=15)
            if msg.type != aiohttp.WSMsgType.TEXT:
                break
            body = json.loads(msg.data)
            pongs += body.get("type") == "pong"
            slowed += body == {"type": "error", "reason": "slow down"}
        assert pongs >= ROOM_BURST and slowed >= 1
        assert ws.close_code == 1008
        # A well-behaved client is served afterwards.
        again = await http.ws_connect(
            f"{call.url}/room/ws",
            params={"token": call.token("learner")},
            headers={"Origin": call.url},
        )
        assert (await again.receive_json(timeout=10))["type"] == "welcome"
        await again.close()
    assert problems(caplog) == []
