"""/verify in the web chat: the whole app from its factory (SMTP settings wired in bootstrap),
a real WebSocket on 127.0.0.1 and a real SMTP server (aiosmtpd) receiving the code."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from mentorbot.app import create_app
from mentorbot.settings import Settings
from tests.e2e.webclient import WebChatClient
from tests.mail_support import SmtpServer, run_smtp


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from run_smtp()


@pytest.fixture
async def server(tmp_path: Path, smtp: SmtpServer) -> AsyncIterator[TestServer]:
    settings = Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/web.db",
        data_dir=tmp_path,
        secret_key="verify-secret",
        match_model="none",
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        smtp_tls="none",
        smtp_from="MentorBot <noreply@mentorbot.test>",
    )
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def test_verify_in_the_web_chat(server: TestServer, smtp: SmtpServer) -> None:
    web = WebChatClient(str(server.make_url("")).rstrip("/"))
    try:
        await web.open()
        await web.say("/verify priya@iitb.ac.in")
        assert "I've sent a 6-digit code to priya@iitb.ac.in" in web.text()
        assert "server log" not in web.text()
        [mail] = smtp.inbox.to("priya@iitb.ac.in")
        assert mail.sender == "noreply@mentorbot.test"
        await web.say("000000" if mail.code != "000000" else "111111")
        assert "That's not the code. 4 tries left." in web.text()
        await web.say(mail.code)
        assert "✅ Verified" in web.text() and "verified · iitb.ac.in" in web.text()
    finally:
        await web.close()
