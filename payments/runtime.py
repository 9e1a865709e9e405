"""What the payment routes share: the gateway, the secrets, and the running core."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from core.app import CoreApp
from core.ports import PaymentGateway


@dataclass
class PaymentsRuntime:
    webhook_secret: str
    key_id: str
    key_secret: str
    core: Callable[[], CoreApp]

    @property
    def gateway(self) -> PaymentGateway:
        gw = self.core().payments_gateway
        if gw is None:
            raise RuntimeError("this core was built without a payment gateway")
        return gw

    @property
    def sandbox(self) -> bool:
        return self.gateway.name == "sandbox"


PAYMENTS = web.AppKey("payments", PaymentsRuntime)
