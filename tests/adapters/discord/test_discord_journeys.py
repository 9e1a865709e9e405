"""The real discord.py client against a fake Discord REST API and gateway."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import FakeDiscord


async def test_slash_help_is_deferred_ephemeral_in_a_guild(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    ana = DiscordUser(server, fake_discord, "500000000000000001", "Ana")
    await ana.slash("help")
    assert "MentorBot" in ana.text() and "/mentor find" in ana.text()
    assert all(f == 64 for f in ana.flags())
    callbacks = [s for s in fake_discord.sent if s.kind == "callback"]
    assert callbacks[0].body["type"] == 5  # deferred: "thinking…", answered by follow-ups
