"""The page's message ids over a real aiohttp server and WebSocket on 127.0.0.1 (the app from
its factory, a SQLite file): a message sent again under its id after a reconnect — its first
copy handled, the answer never read — is acknowledged, not handled twice; bad ids are refused
in words and nothing is done."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bots.web.inbound import BAD_ID
from mentorbot.app import create_app
from mentorbot.settings import Settings
from tests.e2e.webclient import WebChatClient


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/web.db",
        data_dir=tmp_path,
        secret_key="ids-secret",
        match_model="none",
    )
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


def base(server: TestServer) -> str:
    return str(server.make_url("")).rstrip("/")


async def until_done(web: WebChatClient) -> list[dict[str, object]]:
    """Raw frames up to and including the next `done` (bounded)."""
    assert web.ws is not None
    frames = []
    for _ in range(100):
        frames.append(await web.ws.receive_json(timeout=15))
        if frames[-1]["type"] == "done":
            return frames
    raise AssertionError(f"no done in {frames}")


async def own_lines(web: WebChatClient) -> list[str]:
    """The person's own lines in the stored transcript (a fresh socket's full replay)."""
    replay = await web.open()
    return [m["text"] for m in replay if m["role"] == "user"]


async def test_a_message_handled_before_is_acknowledged_not_handled_again(
    server: TestServer,
) -> None:
    web = WebChatClient(base(server))
    try:
        await web.open()
        assert web.ws is not None
        frame = {"type": "text", "text": "Learn", "id": "m-1"}
        await web.ws.send_json(frame)
        # Handled and answered, but the page never shows it: its socket went away first.
        first = await until_done(web)
        assert first[-1] == {"type": "done", "id": "m-1"}, first
        await web.ws.close()

        # The page reconnects: its replay shows the line and the answer (stored together)...
        replay = await web.open()
        assert [m["text"] for m in replay if m["role"] == "user"] == ["Learn"], replay
        answers = [m for m in replay if m["role"] == "bot"]
        # ...and a page that had not seen it sends the message again under the same id:
        await web.ws.send_json(frame)
        again = await until_done(web)
        assert [f for f in again if f["type"] == "message"] == [], again
        assert again[-1] == {"type": "done", "id": "m-1", "duplicate": True}
        assert await own_lines(web) == ["Learn"]

        # An action sent again under its id: acknowledged too (not "you pressed that already").
        button = next(b for m in answers for row in m["buttons"] for b in row if "payload" in b)
        press = {"type": "action", "payload": button["payload"], "label": button["label"],
                 "id": "m-2"}  # fmt: skip
        await web.ws.send_json(press)
        pressed = await web._collect("m-2")
        assert pressed and web.duplicates == [], pressed
        await web.ws.send_json(press)
        await web._collect("m-2")
        assert web.duplicates == ["m-2"]
        assert len(await own_lines(web)) == 2

        # A new id with the same text is a new message: handled.
        await web.say("Learn")
        assert len(await own_lines(web)) == 3
    finally:
        await web.close()


@pytest.mark.parametrize(
    "bad", ["", "x" * 65, "has space", "semi;colon", "ünï", 7, True, ["a"], {"a": 1}]
)
async def test_a_bad_message_id_is_refused_in_words_and_nothing_is_done(
    server: TestServer, bad: object
) -> None:
    web = WebChatClient(base(server))
    try:
        await web.open()
        assert web.ws is not None
        await web.ws.send_json({"type": "text", "text": "/find python", "id": bad})
        assert await web.ws.receive_json(timeout=15) == {"type": "error", "text": BAD_ID}
        await web.say("/help")  # the socket stays usable
        assert await own_lines(web) == ["/help"]
    finally:
        await web.close()
