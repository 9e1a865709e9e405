"""The Slack bot's life in the aiohttp app: built once core exists, registered for delivery,
Socket Mode connected when an app-level token is set. Its HTTP routes are webhooks/slack.py's."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import ClientError, web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_sdk.errors import SlackApiError

from bots.limits import LocalLimits, RateStore
from bots.slack.bot import SlackBot
from bots.slack.config import SlackConfig
from bots.slack.limits import SlackLimits
from bots.slack.oauth import oauth_settings
from core.app import CoreApp
from core.secretbox import DataBox

log = logging.getLogger(__name__)

SLACKBOT = web.AppKey("slackbot", SlackBot)


def setup_slack(
    app: web.Application,
    core_key: web.AppKey[CoreApp],
    config: SlackConfig,
    limits_store: RateStore | None = None,
) -> None:
    """Build the bot in a cleanup context (after core's), so it starts once core exists.

    With an app-level token (`xapp-…`) the bot also connects out over Socket Mode, for
    workspaces that can't expose a URL: the same listeners, acks sent over the socket.
    With OAuth, bolt's installation and state stores live in MentorBot's database.
    """
    if config.bot_token and (config.client_id or config.client_secret):
        log.warning("slack: a bot token is set, so the OAuth install flow is off")

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        core = app[core_key]
        oauth = (
            oauth_settings(
                client_id=config.client_id,
                client_secret=config.client_secret,
                engine=core.db.engine,
                public_url=config.public_url,
                box=DataBox.from_settings(config.data_key, core.deps.signing_keys.current),
            )
            if config.use_oauth
            else None
        )
        bot = SlackBot(
            core,
            signing_secret=config.signing_secret,
            bot_token=config.bot_token,
            oauth=oauth,
            api_url=config.api_url,
            public_url=config.public_url,
            # Slack's limits: kept by every worker together with Redis, else by this one.
            limits=SlackLimits(limits_store or LocalLimits()),
        )
        core.delivery.register(bot)
        core.relay.register(bot.bridge)  # the community bridge's Slack side
        app[SLACKBOT] = bot
        socket: AsyncSocketModeHandler | None = None
        if config.app_token:
            socket = AsyncSocketModeHandler(
                bot.bolt, app_token=config.app_token, web_client=bot.client
            )
            try:
                await socket.connect_async()  # type: ignore[no-untyped-call]
                log.info("slack socket mode connected")
            except (TimeoutError, SlackApiError, ClientError) as exc:
                log.error("slack socket mode could not connect: %s", exc)
        yield
        if socket is not None:
            await socket.close_async()  # type: ignore[no-untyped-call]
        core.relay.unregister("slack")
        core.delivery.unregister("slack")
        with contextlib.suppress(asyncio.TimeoutError):
            await bot.settle(limit_s=5)

    app.cleanup_ctx.append(ctx)
