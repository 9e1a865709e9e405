"""A long reply reaches Discord whole, as several messages within 2,000, buttons last."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from bots.discord.bot import WORKSPACE
from bots.discord.setup import DISCORDBOT
from core.messaging import Button, Image, Reply
from core.ports import Destination
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.long_text import long_reply_text, sent_in_full

RIYA = "500000000000000041"


async def test_a_reply_of_over_10000_characters_arrives_in_parts_with_the_buttons_on_the_last(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    bot = server.app[DISCORDBOT]
    fake_discord.add_user(RIYA, "Riya")
    text = long_reply_text()
    reply = Reply(
        text,
        buttons=((Button("Book", "bk:slot:1"), Button("Later", "bk:no:1")),),
        image=Image(b"\x89PNG", "a chart of the week"),
    )
    assert await bot.deliver(Destination(1, "discord", WORKSPACE, RIYA), [reply])
    sent = [s for s in fake_discord.sent if s.kind == "channel"]
    assert len(sent) >= 6
    assert not fake_discord.refused  # the fake refuses content over 2,000
    assert all(0 < len(s.content) <= 2000 for s in sent)
    # No part leaves bold or code open for the next to close.
    assert all(s.content.count("**") % 2 == 0 and s.content.count("`") % 2 == 0 for s in sent)
    # Markdown escapes (\\&) aside, every word arrived, in order, and the image note last.
    contents = [s.content.replace("\\", "") for s in sent]
    assert contents[-1].endswith("-# 🖼 a chart of the week")
    contents[-1] = contents[-1].removesuffix("\n-# 🖼 a chart of the week")
    assert sent_in_full(contents, text)
    assert [s.components for s in sent[:-1]] == [[]] * (len(sent) - 1)
    [row] = sent[-1].components
    assert [b["label"] for b in row["components"]] == ["Book", "Later"]


async def test_the_fake_refuses_content_over_2000_as_discord_does(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    bot = server.app[DISCORDBOT]
    fake_discord.add_user(RIYA, "Riya")
    channel = await (await bot.client.fetch_user(int(RIYA))).create_dm()
    await channel.send("x" * 2000)
    try:
        await channel.send("x" * 2001)
    except Exception as exc:  # discord.HTTPException, imported only by the adapter
        assert "2000 or fewer" in str(exc)
    else:
        raise AssertionError("2,001 characters were taken")
    assert fake_discord.refused[-1][1:] == (400, 50035)
