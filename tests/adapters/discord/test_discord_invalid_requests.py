"""Discord's "invalid requests" (401, 403 and non-shared 429 answers) are counted and logged."""

from __future__ import annotations

import logging

import pytest
from aiohttp.test_utils import TestServer

from bots.discord.bot import WORKSPACE
from bots.discord.setup import DISCORDBOT
from core.messaging import Reply
from core.ports import Destination
from tests.adapters.discord.fake_discord import FakeDiscord

NIA = "500000000000000031"
LIMITED = {"message": "You are being rate limited.", "retry_after": 0.05, "global": False}


def rate_limited(scope: str) -> dict[str, str]:
    # discord.py takes a 429 without Via for a Cloudflare ban; Discord's own answers carry it.
    return {"X-RateLimit-Scope": scope, "Retry-After": "1", "Via": "1.1 google"}


async def test_invalid_requests_are_counted_and_logged(
    server: TestServer, fake_discord: FakeDiscord, caplog: pytest.LogCaptureFixture
) -> None:
    bot = server.app[DISCORDBOT]
    fake_discord.add_user(NIA, "Nia")
    to = Destination(1, "discord", WORKSPACE, NIA)
    assert bot.invalid_requests == 0
    # Someone who closed their DMs: Discord answers 403 (50007) and the delivery fails.
    fake_discord.fail_once(
        "users/@me/channels", 403, {"message": "Cannot send messages to this user", "code": 50007}
    )
    with caplog.at_level(logging.WARNING, logger="bots.discord.bot"):
        assert not await bot.deliver(to, [Reply("hello")])
    assert bot.invalid_requests == 1 and bot.invalid_by_status[403] == 1
    assert "discord invalid request 403: POST /api/v10/users/@me/channels" in caplog.text

    # A 429 for this bot: discord.py's own handling waits and retries; the 429 still counts.
    fake_discord.fail_once("channels/", 429, LIMITED, rate_limited("user"))
    assert await bot.deliver(to, [Reply("hello again")])
    assert bot.invalid_by_status[429] == 1
    # A 429 of a shared limit isn't held against the bot (Discord doesn't count it either).
    fake_discord.fail_once("channels/", 429, LIMITED, rate_limited("shared"))
    assert await bot.deliver(to, [Reply("and again")])
    assert bot.invalid_by_status[429] == 1 and bot.invalid_requests == 2
    sent = [s.content for s in fake_discord.sent if s.kind == "channel"]
    assert sent[-2:] == ["hello again", "and again"]
