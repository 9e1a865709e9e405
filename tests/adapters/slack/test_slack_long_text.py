"""A long reply reaches Slack whole: sections within 3,000, at most 50 blocks a message,
buttons only on the last message."""

from __future__ import annotations

import html

import pytest
from aiohttp.test_utils import TestServer
from slack_sdk.errors import SlackApiError

from bots.slack.setup import SLACKBOT
from core.messaging import Button, Reply
from core.ports import Destination
from tests.adapters.slack.fake_slack import FakeSlack, Posted
from tests.long_text import long_reply_text, sent_in_full

BUTTONS = ((Button("Book", "bk:slot:1"), Button("Later", "bk:no:1")),)


def shown(posts: list[Posted]) -> list[str]:
    return [
        html.unescape(b["text"]["text"]) for p in posts for b in p.blocks if b["type"] == "section"
    ]


def buttons(post: Posted) -> list[str]:
    return [e["text"]["text"] for b in post.blocks if b["type"] == "actions" for e in b["elements"]]


async def test_a_reply_of_over_10000_characters_arrives_in_sections_with_the_buttons_last(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    bot = server.app[SLACKBOT]
    text = long_reply_text()
    assert await bot.deliver(Destination(1, "slack", "T1", "ULONG"), [Reply(text, buttons=BUTTONS)])
    [post] = fake_slack.in_channel("DULONG")
    sections = [b for b in post.blocks if b["type"] == "section"]
    assert len(sections) >= 4
    assert all(0 < len(b["text"]["text"]) <= 3000 for b in sections)
    # No section leaves bold or code open for the next to close.
    assert all(t.count("*") % 2 == 0 and t.count("`") % 2 == 0 for t in shown([post]))
    assert sent_in_full(shown([post]), text)
    assert post.blocks[-1]["type"] == "actions" and buttons(post) == ["Book", "Later"]


async def test_a_reply_over_50_blocks_is_several_messages_with_the_buttons_on_the_last(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    bot = server.app[SLACKBOT]
    text = "\n\n".join([long_reply_text()] * 15)  # about 167,000 characters
    assert await bot.deliver(Destination(1, "slack", "T1", "UHUGE"), [Reply(text, buttons=BUTTONS)])
    posts = fake_slack.in_channel("DUHUGE")
    assert len(posts) >= 2 and not fake_slack.refused  # the fake refuses what Slack refuses
    assert all(len(p.blocks) <= 50 for p in posts)
    assert sent_in_full(shown(posts), text)
    assert [buttons(p) for p in posts] == [[]] * (len(posts) - 1) + [["Book", "Later"]]
    assert [p.text for p in posts[1:]] == ["(continued)"] * (len(posts) - 1)


async def test_the_fake_refuses_what_slack_refuses(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    client = await server.app[SLACKBOT].client_for("T1")
    section = {"type": "section", "text": {"type": "mrkdwn", "text": "x" * 3001}}
    for kwargs, error in (
        ({"text": "x", "blocks": [section]}, "invalid_blocks"),
        (
            {"text": "x", "blocks": [{**section, "text": {"type": "mrkdwn", "text": "y"}}] * 51},
            "invalid_blocks",
        ),
        ({"text": "x" * 40001}, "msg_too_long"),
    ):
        with pytest.raises(SlackApiError) as refused:
            await client.api_call("chat.postMessage", json={"channel": "D1", **kwargs})
        assert refused.value.response["error"] == error
