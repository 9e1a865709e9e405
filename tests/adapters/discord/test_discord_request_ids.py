"""Request ids outside HTTP (issue 17): a Discord interaction arriving over the gateway is
logged under `dc:<interaction id>`, each its own."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.log_support import json_logs

ANA = "500000000000000031"


async def test_gateway_interactions_carry_their_own_ids(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    ana = DiscordUser(server, fake_discord, ANA, "Ana")
    with json_logs("mentorbot.trace") as lines:
        await ana.slash("help")
        await ana.slash("menu")
    seen = [p for p in lines if p["msg"].startswith("discord interaction ")]
    assert len(seen) == 2
    for p in seen:
        assert p["request_id"] == "dc:" + p["msg"].rsplit(" ", 1)[1]
    assert seen[0]["request_id"] != seen[1]["request_id"]
