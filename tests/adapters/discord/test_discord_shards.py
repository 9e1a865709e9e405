"""One process holding both of two gateway shards (MENTORBOT_DISCORD_SHARD_COUNT=2; SQLite:
this process holds every lease): each shard connects once with its own `shard` in
IDENTIFY, the server's interactions arrive on the guild's shard and DMs' on shard 0, and
both are answered; the REST client finds the server in the shard clients' caches;
/healthz lists both shards."""

from __future__ import annotations

import asyncio

import aiohttp

from bots.discord.setup import DISCORDBOT
from mentorbot.settings import Settings
from tests.adapters.discord.conftest import start_server
from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import GUILD_ID, FakeDiscord


async def test_two_shards_in_one_process_both_answer(
    settings: Settings, fake_discord: FakeDiscord
) -> None:
    srv = await start_server(settings.model_copy(update={"discord_shard_count": 2}))
    try:
        assert fake_discord.shard_count == 2
        assert dict(fake_discord.shard_identifies) == {0: 1, 1: 1}
        bot = srv.app[DISCORDBOT]
        assert sorted(bot.shard_clients) == [0, 1] and bot.held_shards() == [0, 1]
        for _ in range(250):  # bounded: GUILD_CREATE reaches the guild's shard client
            if bot.client.get_guild(int(GUILD_ID)) is not None:
                break
            await asyncio.sleep(0.02)
        assert bot.client.get_guild(int(GUILD_ID)) is not None
        mia = DiscordUser(srv, fake_discord, "500000000000000003", "Mia")
        await mia.slash("menu")  # a server interaction: the guild's shard
        assert "What would you like to do?" in mia.text()
        await mia.slash("menu", guild=False)  # a DM interaction: shard 0
        assert "What would you like to do?" in mia.text()
        async with aiohttp.ClientSession() as http, http.get(srv.make_url("/healthz")) as resp:
            gateway = (await resp.json())["discord_gateway"]
        assert gateway["shard_count"] == 2 and gateway["shards"] == [0, 1]
        assert gateway["role"] == "held"
    finally:
        await srv.close()
    assert not fake_discord.shards  # both disconnected on shutdown
