"""Putting the Discord bot into the aiohttp app: its AppKey and the cleanup context that runs
the discord.py client beside the web app, registered for delivery. The composition root
calls setup_discord() once."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import yarl
from aiohttp import web
from discord.asset import Asset
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots.discord.bot import DiscordBot, GatewayLease
from bots.discord.limits import DiscordLimits
from bots.limits import LocalLimits, RateStore
from core.app import CoreApp

DISCORDBOT = web.AppKey("discordbot", DiscordBot)


def configure_endpoints(api_url: str, gateway_url: str, cdn_url: str = "") -> None:
    """Point discord.py's REST base, gateway and CDN (avatars) elsewhere (tests, proxies).
    Process-wide."""
    if api_url:
        Route.BASE = api_url.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)
    if cdn_url:
        Asset.BASE = cdn_url.rstrip("/")


def setup_discord(
    app: web.Application,
    core_key: web.AppKey[CoreApp],
    *,
    token: str,
    api_url: str = "",
    gateway_url: str = "",
    cdn_url: str = "",
    public_url: str = "",
    announce_every_s: float = 30.0,
    limits_store: RateStore | None = None,
    lease: GatewayLease | None = None,
    shards: Sequence[GatewayLease] = (),
) -> None:
    """Run the discord.py client beside the web app, registered for delivery and as the
    community bridge's Discord side. `limits_store`: where Discord's rate limits are kept
    (Redis: by every worker together; None: by this process). `lease`: with several workers,
    only its holder connects to the gateway (None: this process does). `shards`: with several
    gateway shards, shard i's lease (each connected by this worker while it holds it)."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        configure_endpoints(api_url, gateway_url, cdn_url)
        core = app[core_key]
        bot = DiscordBot(
            core,
            token=token,
            public_url=public_url,
            announce_every_s=announce_every_s,
            limits=DiscordLimits(limits_store or LocalLimits()),
            lease=lease,
            shards=shards,
        )
        core.delivery.register(bot)
        core.relay.register(bot.bridge)
        app[DISCORDBOT] = bot
        bot.start()
        yield
        core.relay.unregister("discord")
        core.delivery.unregister("discord")
        await bot.close()

    app.cleanup_ctx.append(ctx)
