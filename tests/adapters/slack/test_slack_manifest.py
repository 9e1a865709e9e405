"""The Slack app manifest: generated from the command table and the handled events, with the
scopes the code's Web API calls need (the fake refuses a call whose scope wasn't granted)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bots.slack.inbound import HANDLED_EVENTS
from bots.slack.manifest import manifest
from bots.slack.setup import SLACKBOT
from core.commands import COMMANDS
from core.messaging import Attachment, Reply
from core.ports import Destination
from mentorbot.cli import main
from tests.adapters.slack.driver import (
    FORM_TYPE,
    JSON_TYPE,
    SlackUser,
    deliver,
    event_body,
    interaction_body,
    mention,
    message_shortcut,
    shortcut,
)
from tests.adapters.slack.fake_slack import FakeSlack, manifest_problems

URL = "https://mentor.example.com"
EVENTS_URL = URL + "/webhooks/slack/events"


def test_manifest_lists_every_handled_event_and_each_command() -> None:
    m = manifest(URL + "/")
    assert manifest_problems(m) == []
    events = m["settings"]["event_subscriptions"]["bot_events"]
    assert events == [
        "message.im",
        "message.channels",  # the community bridge: linked public and private channels
        "message.groups",
        "app_home_opened",
        "app_mention",
        "app_uninstalled",
        "tokens_revoked",
        "reaction_added",  # 🚩 reports and moderators' 🗑️ in linked channels
    ]
    assert "reactions:read" in m["oauth_config"]["scopes"]["bot"]
    assert len(events) == len(HANDLED_EVENTS) + 2  # `message` is subscribed three ways
    [command] = m["features"]["slash_commands"]
    assert command["command"] == "/mentor" and command["url"] == EVENTS_URL
    words = command["usage_hint"].split(" | ")
    for c in COMMANDS:
        if c.listed and not c.admin:
            assert any(w.split(" ")[0] == c.subcommand for w in words), c.name
    assert "admin" not in command["usage_hint"]  # admins' words stay out of everyone's hint
    settings = m["settings"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": EVENTS_URL}
    assert settings["event_subscriptions"]["request_url"] == EVENTS_URL
    assert {(s["type"], s["callback_id"]) for s in m["features"]["shortcuts"]} == {
        ("global", "find_mentor"),
        ("message", "ask_mentor"),
    }
    home = m["features"]["app_home"]
    assert home["home_tab_enabled"] and home["messages_tab_enabled"]
    assert m["oauth_config"]["redirect_urls"] == [URL + "/webhooks/slack/oauth_redirect"]


def test_the_fake_refuses_a_manifest_slack_would_refuse() -> None:
    m = manifest(URL)
    m["oauth_config"]["scopes"]["bot"].remove("app_mentions:read")
    m["features"]["shortcuts"][0]["name"] = "Find a mentor in this workspace"
    m["settings"]["interactivity"]["request_url"] = "http://mentor.example.com/x"
    assert len(manifest_problems(m)) == 3


async def test_the_code_needs_no_scope_the_manifest_does_not_ask_for(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    fake_slack.granted = set(manifest(URL)["oauth_config"]["scopes"]["bot"])
    asha = SlackUser(server, fake_slack, "UASHA", "Asha Rao")
    await asha.say("hi")  # conversations.open, users.info, chat.postMessage
    await asha.press("Learn")  # chat.update
    await asha.command("help")
    await asha.command("apply")  # views.open
    await asha.open_home()  # views.publish
    await deliver(server, event_body("T1", mention("T1", "UASHA", "<@UBOT> python")), JSON_TYPE)
    await deliver(
        server, interaction_body(shortcut("T1", "UASHA", "find_mentor", "m.1")), FORM_TYPE
    )
    body = interaction_body(message_shortcut("T1", "UASHA", "ask_mentor", "m.2", "dsa?"))
    await deliver(server, body, FORM_TYPE)
    ics = Attachment("s.ics", "text/calendar", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n")
    bot = server.app[SLACKBOT]
    assert await bot.deliver(Destination(1, "slack", "T1", "UASHA"), [Reply("x", attachment=ics)])
    await bot.settle()
    methods = set(fake_slack.methods())
    assert {
        "chat.postMessage",
        "chat.update",
        "conversations.open",
        "users.info",
        "views.open",
        "views.publish",
        "files.completeUploadExternal",
    } <= methods
    assert fake_slack.refused == []
    # And the fake does refuse: without files:write the calendar file can't be uploaded.
    fake_slack.granted.discard("files:write")
    await bot.deliver(Destination(1, "slack", "T1", "UASHA"), [Reply("y", attachment=ics)])
    assert [c.method for c in fake_slack.refused] == ["files.getUploadURLExternal"]


def test_cli_prints_the_manifest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    main(["slack", "manifest", "--url", URL])
    assert json.loads(capsys.readouterr().out) == manifest(URL)
    with pytest.raises(SystemExit, match="https"):
        main(["slack", "manifest", "--url", "http://mentor.example.com"])
