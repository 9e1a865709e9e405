"""aiohttp endpoints that platforms and gateways call: each verifies the request first (a
signature or a secret), then hands it to the adapter or service."""

from __future__ import annotations

from aiohttp import web

from bots.slack.setup import SlackConfig
from bots.telegram.setup import TelegramConfig
from webhooks import razorpay
from webhooks.client_errors import quiet_client_errors
from webhooks.slack import setup_slack_webhook
from webhooks.telegram import setup_telegram_webhook


def setup_webhooks(
    app: web.Application, telegram: TelegramConfig, slack: SlackConfig | None = None
) -> None:
    """Call after the adapters' and payments' setup: these hand requests to them."""
    quiet_client_errors()  # a webhook body that can't be decoded gets a 400, not a traceback
    razorpay.add_routes(app)
    setup_telegram_webhook(app, telegram)
    setup_slack_webhook(app, slack)
