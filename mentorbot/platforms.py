"""Chat platforms that run inside the main aiohttp app, switched on by their settings."""

from __future__ import annotations

from aiohttp import web

from bots.slack.setup import SlackConfig
from core.app import CoreApp
from mentorbot.settings import Settings


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
    )


def setup_platforms(
    app: web.Application, settings: Settings, core_key: web.AppKey[CoreApp]
) -> None:
    """Call after the core cleanup context is appended: adapters need core when they start."""
    slack = slack_config(settings)
    if slack is not None:
        from bots.slack.setup import setup_slack

        setup_slack(app, core_key, slack)
    discord_token = settings.discord_token.get_secret_value()
    if discord_token:
        from bots.discord.setup import setup_discord

        setup_discord(
            app,
            core_key,
            token=discord_token,
            api_url=settings.discord_api_url,
            gateway_url=settings.discord_gateway_url,
            public_url=settings.base_url,
            announce_every_s=settings.discord_announce_every_s,
        )
