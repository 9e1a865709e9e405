"""aiohttp endpoints that platforms and gateways call: each verifies the request first (a
signature or a secret), then hands it to the adapter or service.

Nothing here imports a platform SDK: webhooks.telegram and webhooks.slack are set up by the
composition root together with their platform, only when it is configured."""

from __future__ import annotations

from aiohttp import web

from webhooks import razorpay
from webhooks.client_errors import quiet_client_errors


def setup_webhooks(app: web.Application) -> None:
    """Call after payments' setup: the Razorpay webhook hands events to it."""
    quiet_client_errors()  # a webhook body that can't be decoded gets a 400, not a traceback
    razorpay.add_routes(app)
