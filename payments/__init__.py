"""Payment gateways behind core's PaymentGateway port: Razorpay, or the local sandbox.

`setup_payments(app, settings, CORE)` is the one call the composition root makes: it picks
the gateway (Razorpay when keys are set), adds /pay/… and POST /webhooks/razorpay, and sets
`core.payments_gateway` once the core is built.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import AsyncIterator
from typing import Protocol

from aiohttp import web
from pydantic import SecretStr

from core.app import CoreApp
from core.ports import PaymentGateway
from payments.razorpay_gateway import RazorpayGateway
from payments.runtime import PAYMENTS, PaymentsRuntime
from payments.sandbox import SandboxGateway

__all__ = ["PAYMENTS", "PaymentsRuntime", "RazorpayGateway", "SandboxGateway", "setup_payments"]


class PaymentSettings(Protocol):
    @property
    def razorpay_key_id(self) -> str: ...
    @property
    def razorpay_key_secret(self) -> SecretStr: ...
    @property
    def razorpay_webhook_secret(self) -> SecretStr: ...
    @property
    def razorpay_api_url(self) -> str: ...
    @property
    def razorpay_payout_account(self) -> str: ...

    def secret(self) -> bytes: ...


def make_gateway(settings: PaymentSettings) -> tuple[PaymentGateway, str]:
    """The gateway and the secret its webhooks are signed with."""
    key_id = settings.razorpay_key_id
    key_secret = settings.razorpay_key_secret.get_secret_value()
    if key_id and key_secret:
        webhook_secret = settings.razorpay_webhook_secret.get_secret_value()
        if not webhook_secret:
            raise ValueError("MENTORBOT_RAZORPAY_WEBHOOK_SECRET is needed with Razorpay keys")
        gw = RazorpayGateway(
            key_id,
            key_secret,
            api_url=settings.razorpay_api_url,
            payout_account=settings.razorpay_payout_account,
        )
        return gw, webhook_secret
    derived = hmac.new(settings.secret(), b"sandbox-webhook", hashlib.sha256).hexdigest()
    return SandboxGateway(), settings.razorpay_webhook_secret.get_secret_value() or derived


def setup_payments(
    app: web.Application, settings: PaymentSettings, core_key: web.AppKey[CoreApp]
) -> PaymentsRuntime:
    from payments import checkout_page
    from webhooks import razorpay as razorpay_hook

    gateway, webhook_secret = make_gateway(settings)
    rt = PaymentsRuntime(
        gateway=gateway,
        webhook_secret=webhook_secret,
        key_id=settings.razorpay_key_id,
        key_secret=settings.razorpay_key_secret.get_secret_value(),
        core=lambda: app[core_key],
    )
    app[PAYMENTS] = rt

    async def attach(app: web.Application) -> AsyncIterator[None]:
        app[core_key].payments_gateway = gateway
        yield

    app.cleanup_ctx.append(attach)
    checkout_page.add_routes(app)
    razorpay_hook.add_routes(app)
    return rt
