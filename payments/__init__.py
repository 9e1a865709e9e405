"""Payment gateways behind core's PaymentGateway port: Razorpay, or the local sandbox.

The composition root builds the gateway before the core (`payments.gateways.make_gateway`)
and then calls `setup_payments(app, settings, CORE)` for the /pay/… pages; POST
/webhooks/razorpay lives in webhooks/.
"""

from __future__ import annotations

from aiohttp import web

from core.app import CoreApp
from payments import checkout_page
from payments.gateways import PaymentSettings, make_gateway, webhook_secret
from payments.runtime import PAYMENTS, PaymentsRuntime
from payments.sandbox import SandboxGateway

__all__ = [
    "PAYMENTS",
    "PaymentsRuntime",
    "SandboxGateway",
    "make_gateway",
    "setup_payments",
]


def setup_payments(
    app: web.Application, settings: PaymentSettings, core_key: web.AppKey[CoreApp]
) -> PaymentsRuntime:
    rt = PaymentsRuntime(
        webhook_secret=webhook_secret(settings),
        key_id=settings.razorpay_key_id,
        key_secret=settings.razorpay_key_secret.get_secret_value(),
        core=lambda: app[core_key],
    )
    app[PAYMENTS] = rt
    checkout_page.add_routes(app)
    return rt
