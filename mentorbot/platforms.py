"""Chat platforms that run inside the main aiohttp app, switched on by their settings.

Each platform's SDK is imported inside its branch below, only when that platform is
configured: aiogram alone costs about 3 s of import at start (pydantic building its types),
slack_bolt and discord.py a fraction of a second each, and a server without them should not
pay for them before it answers (bench/startup.py; tests/e2e/test_startup_imports.py guards it).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiohttp import web

from bots.slack.config import SlackConfig
from core.app import CoreApp
from mentorbot.settings import Settings

if TYPE_CHECKING:
    from bots.limits import RateStore
    from bots.telegram.flood import SendPacer
    from mentorbot.leader import Election

log = logging.getLogger(__name__)


def slack_config(settings: Settings) -> SlackConfig | None:
    """None: Slack is off (no signing secret). Its routes: webhooks/slack.py."""
    signing_secret = settings.slack_signing_secret.get_secret_value()
    if not signing_secret:
        return None
    return SlackConfig(
        signing_secret=signing_secret,
        bot_token=settings.slack_bot_token.get_secret_value(),
        api_url=settings.slack_api_url,
        public_url=settings.base_url,
        app_token=settings.slack_app_token.get_secret_value(),
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret.get_secret_value(),
        data_key=settings.data_key.get_secret_value(),
    )


def setup_platforms(
    app: web.Application,
    settings: Settings,
    core_key: web.AppKey[CoreApp],
    *,
    telegram_pacer: SendPacer | None = None,
    limits_store: RateStore | None = None,
    discord_lease: Election | None = None,
    discord_shards: Sequence[Election] = (),
) -> None:
    """Call after the core cleanup context is appended: adapters need core when they start.
    Each platform's webhook routes come with it (webhooks/), after its adapter's setup.
    `limits_store`: where Slack's and Discord's rate limits are kept (Redis: shared by every
    worker); None: each platform keeps them in this process. `discord_lease`: which worker
    holds the Discord gateway connection (None: this one); `discord_shards`: with several
    shards, each shard's lease instead."""
    slack = slack_config(settings)
    if slack is not None:
        # Imported only with Slack configured (see the module docstring).
        from bots.slack.setup import setup_slack
        from webhooks.slack import setup_slack_webhook

        setup_slack(app, core_key, slack, limits_store)
        setup_slack_webhook(app, slack)
    discord_token = settings.discord_token.get_secret_value()
    if discord_token:
        # Imported only with Discord configured (see the module docstring).
        from bots.discord.setup import setup_discord

        setup_discord(
            app,
            core_key,
            token=discord_token,
            api_url=settings.discord_api_url,
            gateway_url=settings.discord_gateway_url,
            cdn_url=settings.discord_cdn_url,
            public_url=settings.base_url,
            announce_every_s=settings.discord_announce_every_s,
            limits_store=limits_store,
            lease=discord_lease,
            shards=discord_shards,
        )
    telegram = settings.telegram()
    why = telegram.off_reason()
    if why is not None:
        log.info("Telegram bot is off: %s.", why)
        return
    # Imported only with Telegram configured: aiogram is the costliest import of all.
    from bots.telegram.setup import setup_telegram
    from webhooks.telegram import setup_telegram_webhook

    setup_telegram(app, telegram, lambda: app[core_key], pacer=telegram_pacer)
    setup_telegram_webhook(app, telegram)  # webhook mode only; after the bot's own setup
