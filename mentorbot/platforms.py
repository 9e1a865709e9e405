"""Chat platforms that run inside the main aiohttp app, switched on by their settings."""

from __future__ import annotations

from aiohttp import web

from core.app import CoreApp
from mentorbot.settings import Settings


def setup_platforms(
    app: web.Application, settings: Settings, core_key: web.AppKey[CoreApp]
) -> None:
    """Call after the core cleanup context is appended: adapters need core when they start."""
    signing_secret = settings.slack_signing_secret.get_secret_value()
    if signing_secret:
        from bots.slack.bot import setup_slack

        setup_slack(
            app,
            core_key,
            signing_secret=signing_secret,
            bot_token=settings.slack_bot_token.get_secret_value(),
            api_url=settings.slack_api_url,
            public_url=settings.base_url,
            app_token=settings.slack_app_token.get_secret_value(),
            client_id=settings.slack_client_id,
            client_secret=settings.slack_client_secret.get_secret_value(),
        )
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
