"""Signatures, retries and rate limits at the Slack endpoint of the real aiohttp app."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import event, func, select

from bots.slack.setup import SLACKBOT
from core.db.inbound import ProcessedEvent
from core.messaging import Attachment, Reply
from core.ports import Destination
from mentorbot.app import CORE
from mentorbot.settings import Settings
from tests.adapters.slack.driver import SlackUser, command_body, message_event, post_signed
from tests.adapters.slack.fake_slack import FakeSlack

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No matching engine here: its background fit after start reads the database, and
    these tests count every statement a refused request makes."""
    return settings.model_copy(update={"match_model": "none"})


@contextmanager
def count_sql(server: TestServer) -> Iterator[list[str]]:
    statements: list[str] = []
    engine = server.app[CORE].db.engine.sync_engine

    def on_execute(*args: Any) -> None:
        statements.append(str(args[2]))

    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)


async def test_bad_signature_is_401_before_any_database_access(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    body = command_body("T1", "UEVE", "eve", "help")
    with count_sql(server) as statements:
        status, _ = await post_signed(server, body, FORM, secret="not-the-secret")
        status_unsigned, _ = await post_signed(
            server, body, FORM, extra={"X-Slack-Signature": "v0=00"}
        )
        await server.app[SLACKBOT].settle()
    assert (status, status_unsigned) == (401, 401)
    assert statements == []
    assert fake_slack.calls == []


async def test_timestamp_window_is_five_minutes(server: TestServer, fake_slack: FakeSlack) -> None:
    now = int(time.time())
    body = command_body("T1", "UTIM", "tim", "help")
    old, _ = await post_signed(server, body, FORM, ts=now - 301)
    assert old == 401
    ok, _ = await post_signed(server, body, FORM, ts=now - 299)
    assert ok == 200
    await server.app[SLACKBOT].settle()
    assert any("MentorBot" in p.text for p in fake_slack.in_channel("DUTIM"))


async def test_a_retried_event_is_processed_once(server: TestServer, fake_slack: FakeSlack) -> None:
    body = json.dumps(message_event("T1", "URAJ", "hello", event_id="Ev-retry-1"))
    for retry in (None, "1", "2"):
        extra = (
            {"X-Slack-Retry-Num": retry, "X-Slack-Retry-Reason": "http_timeout"} if retry else {}
        )
        status, _ = await post_signed(server, body, "application/json", extra=extra)
        assert status == 200
        await server.app[SLACKBOT].settle()
    posts = fake_slack.in_channel("DURAJ")
    assert len([p for p in posts if "What would you like to do?" in p.text]) == 1
    async with server.app[CORE].db.transaction() as s:
        seen = await s.scalar(
            select(func.count())
            .select_from(ProcessedEvent)
            .where(ProcessedEvent.event_id == "Ev-retry-1")
        )
    assert seen == 1


async def test_429_retry_after_is_honoured(server: TestServer, fake_slack: FakeSlack) -> None:
    fake_slack.rate_limit["chat.postMessage"] = 1
    fake_slack.retry_after = 1
    user = SlackUser(server, fake_slack, "UQUO", "Quinn")
    await user.command("help")
    posts = [c for c in fake_slack.calls if c.method == "chat.postMessage"]
    assert [c.status for c in posts[:2]] == [429, 200]
    assert posts[1].at - posts[0].at >= 1.0
    assert "MentorBot" in user.text()


async def test_url_verification_challenge(server: TestServer) -> None:
    body = json.dumps({"type": "url_verification", "challenge": "abc123", "token": "x"})
    status, text = await post_signed(server, body, "application/json")
    assert status == 200 and "abc123" in text


async def test_command_in_a_channel_is_acked_there_and_answered_in_the_dm(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    body = command_body("T1", "UCHA", "chan", "find python", channel="C0PUBLIC")
    status, text = await post_signed(server, body, FORM)
    await server.app[SLACKBOT].settle()
    assert status == 200 and "direct messages" in text
    assert fake_slack.in_channel("DUCHA") and not fake_slack.in_channel("C0PUBLIC")


async def test_app_home_shows_the_profile(server: TestServer, fake_slack: FakeSlack) -> None:
    body = json.dumps(
        {
            "type": "event_callback",
            "team_id": "T1",
            "api_app_id": "A1",
            "event_id": "Ev-home-1",
            "event_time": int(time.time()),
            "event": {"type": "app_home_opened", "user": "UHOM", "channel": "DUHOM", "tab": "home"},
        }
    )
    status, _ = await post_signed(server, body, "application/json")
    await server.app[SLACKBOT].settle()
    assert status == 200
    assert len(fake_slack.views) == 1 and fake_slack.views[0]["type"] == "home"
    texts = json.dumps(fake_slack.views[0])
    assert "set up your profile" in texts and "My sessions" in texts and "/mentor wallet" in texts


async def test_a_reply_file_is_uploaded_under_its_message(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    bot = server.app[SLACKBOT]
    ics = Attachment("s.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    to = Destination(1, "slack", "T1", "UFILE")
    assert await bot.deliver(to, [Reply("Confirmed", attachment=ics), Reply("next")])
    assert [p.text for p in fake_slack.in_channel("DUFILE")] == ["Confirmed", "next"]
    [up] = fake_slack.files_in("DUFILE")
    assert (up.filename, up.data) == ("s.ics", ics.data)
    methods = [m for m in fake_slack.methods() if m.startswith(("chat.", "files."))]
    assert methods == [
        "chat.postMessage",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
        "chat.postMessage",
    ]


async def test_a_failed_upload_does_not_fail_the_delivery(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    # E.g. an install without the files:write scope: the message still counts as delivered,
    # so the outbox won't post it a second time.
    fake_slack.errors["files.getUploadURLExternal"] = "missing_scope"
    bot = server.app[SLACKBOT]
    to = Destination(1, "slack", "T1", "UNOSCOPE")
    ics = Attachment("s.ics", "text/calendar", b"BEGIN:VCALENDAR\r\n")
    assert await bot.deliver(to, [Reply("Confirmed", attachment=ics)])
    assert [p.text for p in fake_slack.in_channel("DUNOSCOPE")] == ["Confirmed"]
    assert fake_slack.uploads == []
