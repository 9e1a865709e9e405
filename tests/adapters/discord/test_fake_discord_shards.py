"""The fake's gateway shards as Discord's do (issue 21, part 6), over real WebSockets:
IDENTIFY's `shard: [id, count]` picks the connection; a guild's events go only to shard
(guild_id >> 22) % count and DMs to shard 0; a second IDENTIFY for a connected shard is
refused with Invalid Session (op 9); a shard outside the count closes with 4010."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from tests.adapters.discord.fake_discord import GUILD_ID, FakeDiscord

SHARDS = 2
GUILD_SHARD = (int(GUILD_ID) >> 22) % SHARDS


async def _identify(ws: aiohttp.ClientWebSocketResponse, shard: list[int]) -> dict[str, Any]:
    hello = json.loads((await ws.receive()).data)
    assert hello["op"] == 10
    await ws.send_str(json.dumps({"op": 2, "d": {"token": "t", "intents": 0, "shard": shard}}))
    msg = await ws.receive(timeout=5)
    if msg.type != aiohttp.WSMsgType.TEXT:
        return {"closed": ws.close_code}
    return dict(json.loads(msg.data))


async def _next(ws: aiohttp.ClientWebSocketResponse) -> dict[str, Any]:
    return dict(json.loads((await ws.receive(timeout=5)).data))


async def test_events_go_to_their_guilds_shard_and_a_shard_connects_once(
    fake_discord: FakeDiscord,
) -> None:
    other = 1 - GUILD_SHARD
    async with aiohttp.ClientSession() as http:
        guild_ws = await http.ws_connect(fake_discord.gateway_url)
        other_ws = await http.ws_connect(fake_discord.gateway_url)
        ready = await _identify(guild_ws, [GUILD_SHARD, SHARDS])
        assert ready["t"] == "READY" and ready["d"]["guilds"] == [
            {"id": GUILD_ID, "unavailable": True}
        ]
        assert (await _next(guild_ws))["t"] == "GUILD_CREATE"
        ready = await _identify(other_ws, [other, SHARDS])
        assert ready["t"] == "READY" and ready["d"]["guilds"] == []  # not this shard's guild

        await fake_discord.dispatch("MESSAGE_CREATE", {"id": "1", "guild_id": GUILD_ID})
        assert (await _next(guild_ws))["d"]["id"] == "1"
        await fake_discord.dispatch("MESSAGE_CREATE", {"id": "2"})  # a DM: shard 0
        assert (await _next(guild_ws if GUILD_SHARD == 0 else other_ws))["d"]["id"] == "2"

        # A second connection for a shard that is connected: Invalid Session, not resumable.
        twice = await http.ws_connect(fake_discord.gateway_url)
        assert await _identify(twice, [GUILD_SHARD, SHARDS]) == {
            "op": 9,
            "d": False,
            "t": None,
            "s": None,
        }
        assert fake_discord.shard_refusals == {GUILD_SHARD: 1}
        assert fake_discord.shard_identifies == {0: 1, 1: 1}
        await twice.close()

        # Outside the count: 4010 Invalid Shard, as Discord closes it.
        bad = await http.ws_connect(fake_discord.gateway_url)
        assert await _identify(bad, [SHARDS, SHARDS]) == {"closed": 4010}

        # Once the shard's connection is gone, it may connect again.
        await guild_ws.close()
        again = await http.ws_connect(fake_discord.gateway_url)
        for _ in range(50):  # the server notices the close
            if GUILD_SHARD not in fake_discord.shards:
                break
            await asyncio.sleep(0.02)
        assert (await _identify(again, [GUILD_SHARD, SHARDS]))["t"] == "READY"
        for ws in (other_ws, again):
            await ws.close()
