"""aiohttp endpoints that platforms and gateways call (signature checks first)."""

from __future__ import annotations

from aiohttp import web

from webhooks import razorpay


def setup_webhooks(app: web.Application) -> None:
    """The gateway callbacks; call after setup_payments (they use its runtime)."""
    razorpay.add_routes(app)
