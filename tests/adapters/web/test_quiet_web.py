"""/quiet in the web chat: the whole app from its factory and a real WebSocket on 127.0.0.1;
bad input answered with the question kept, plain words understood, buttons work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from mentorbot.app import create_app
from mentorbot.settings import Settings
from tests.e2e.webclient import WebChatClient


@pytest.fixture
async def server(tmp_path: Path) -> AsyncIterator[TestServer]:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/web.db",
        data_dir=tmp_path,
        secret_key="quiet-secret",
        match_model="none",
    )
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def test_quiet_hours_in_the_web_chat(server: TestServer) -> None:
    web = WebChatClient(str(server.make_url("")).rstrip("/"))
    try:
        await web.open()
        await web.say("/quiet")
        assert "Quiet hours: off" in web.text(), web.text()
        await web.press("Other times")
        await web.say("when I sleep")
        assert "Write a start and an end" in web.text(), web.text()
        await web.say("10-7")  # 21 hours: asked again, not saved
        assert "21 hours a day" in web.text()
        await web.say("from 10 pm till 7 am")
        assert "Quiet hours: 22:00–07:00 every night (UTC)" in web.text(), web.text()
        await web.say("/quiet")
        await web.press("23:00–08:00")
        assert "Quiet hours: 23:00–08:00" in web.text()
        await web.say("/quiet off")
        assert "Quiet hours are off" in web.text()
    finally:
        await web.close()
