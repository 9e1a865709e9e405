"""Socket Mode: the same bolt app over the WebSocket a workspace without a public URL uses."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from aiohttp.test_utils import TestServer
from slack_bolt.request.internals import parse_body

from bots.slack.setup import SLACKBOT
from mentorbot.settings import Settings
from tests.adapters.slack.driver import (
    SECRET,
    command_body,
    message_event,
    payload_kinds,
    view_submission,
)
from tests.adapters.slack.fake_slack import FakeSlack
from tests.log_support import json_logs


@pytest.fixture
def settings(tmp_path: Path, fake_slack: FakeSlack) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/slack.db",
        data_dir=tmp_path,
        secret_key="slack-socket",  # type: ignore[arg-type]
        admins=["slack:T1:UADMIN"],
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_bot_token="xoxb-test-token",  # type: ignore[arg-type]
        slack_app_token="xapp-test-token",  # type: ignore[arg-type]
        slack_api_url=fake_slack.url,
        tick_seconds=0,
    )


def command(user: str, text: str, trigger: str) -> dict[str, str]:
    return dict(parse_qsl(command_body("T1", user, user.title(), text, trigger=trigger)))


async def test_commands_events_and_modals_over_socket_mode(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    bot = server.app[SLACKBOT]
    # The app connected out with its app-level token (apps.connections.open, then the socket).
    assert fake_slack.socket_connections == 1
    opened = [c for c in fake_slack.calls if c.method == "apps.connections.open"]
    assert opened and opened[0].status == 200

    ack = await fake_slack.push("slash_commands", command("USOCK", "help", "s.1"))
    assert ack["envelope_id"] == "env-1"
    await bot.settle()
    assert any("/mentor find" in p.text for p in fake_slack.in_channel("DUSOCK"))

    # A DM message arrives as an events_api envelope and is answered in the DM.
    seen = len(fake_slack.in_channel("DUSOCK"))
    await fake_slack.push("events_api", message_event("T1", "USOCK", "hello"))
    await bot.settle()
    assert "What would you like to do?" in "\n".join(
        p.text for p in fake_slack.in_channel("DUSOCK")[seen:]
    )

    # The application modal: opened from the command, errors come back in the ack's payload.
    await fake_slack.push("slash_commands", command("USOCK", "apply", "s.2"))
    await bot.settle()
    modal = fake_slack.modals["s.2"]
    bad = view_submission(
        "T1", "USOCK", "Sock", modal, {"timezone": "Atlantis", "bio": "short"}, "s.3"
    )
    ack = await fake_slack.push("interactive", bad)
    errors = ack["payload"]["errors"]
    assert ack["payload"]["response_action"] == "errors"
    assert {"timezone", "bio"} <= set(errors) and "Atlantis" in errors["timezone"]
    assert json.dumps(ack)  # an ack the socket client could send back as JSON


SOCKET_KINDS = {
    k: (body, ctype)
    for k, (body, ctype) in payload_kinds().items()
    # Slack sends these two only to a request URL, never over the socket.
    if k not in ("url_verification", "app_rate_limited")
}


@pytest.mark.parametrize("kind", sorted(SOCKET_KINDS))
async def test_every_payload_kind_is_acked_over_the_socket(
    kind: str, server: TestServer, fake_slack: FakeSlack
) -> None:
    body, ctype = SOCKET_KINDS[kind]
    payload = parse_body(body, ctype)
    envelope = (
        "events_api"
        if payload.get("type") == "event_callback"
        else "slash_commands"
        if "command" in payload
        else "interactive"
    )
    # push raises AckMissing when no ack comes within Slack's 3 s.
    ack = await fake_slack.push(envelope, payload)
    assert ack["envelope_id"].startswith("env-")
    await server.app[SLACKBOT].settle()


async def test_socket_mode_events_carry_their_own_request_ids(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    """Request ids outside HTTP (issue 17): an events_api envelope is logged under
    `sl:EVENT_ID`, a slash command under `sl:TRIGGER_ID`."""
    bot = server.app[SLACKBOT]
    with json_logs("mentorbot.trace") as lines:
        await fake_slack.push("events_api", message_event("T1", "USOCK", "hello", "EvTRACE1"))
        await bot.settle()
        await fake_slack.push("slash_commands", command("USOCK", "help", "trig.9"))
        await bot.settle()
    ids = {p["msg"]: p["request_id"] for p in lines if p["msg"].startswith("slack ")}
    assert ids == {
        "slack event_callback EvTRACE1": "sl:EvTRACE1",
        "slack event trig.9": "sl:trig.9",
    }
