"""Which gateway a deployment uses (Razorpay when keys are set, else the local sandbox), and the
secret its webhooks are signed with. Called by the composition root before the core is built."""

from __future__ import annotations

import hashlib
import hmac
from typing import Protocol

from pydantic import SecretStr

from core.ports import PaymentGateway
from payments.sandbox import SandboxGateway


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


def uses_razorpay(settings: PaymentSettings) -> bool:
    return bool(settings.razorpay_key_id and settings.razorpay_key_secret.get_secret_value())


def make_gateway(settings: PaymentSettings) -> PaymentGateway:
    if not uses_razorpay(settings):
        return SandboxGateway()
    webhook_secret(settings)  # refuse to start half-configured
    # razorpay's SDK pulls in requests: imported only by a deployment that uses it.
    from payments.razorpay_gateway import RazorpayGateway

    return RazorpayGateway(
        settings.razorpay_key_id,
        settings.razorpay_key_secret.get_secret_value(),
        api_url=settings.razorpay_api_url,
        payout_account=settings.razorpay_payout_account,
    )


def webhook_secret(settings: PaymentSettings) -> str:
    given = settings.razorpay_webhook_secret.get_secret_value()
    if uses_razorpay(settings):
        if not given:
            raise ValueError("MENTORBOT_RAZORPAY_WEBHOOK_SECRET is needed with Razorpay keys")
        return given
    # The sandbox signs its own events; a secret derived from the signing key is stable.
    return given or hmac.new(settings.secret(), b"sandbox-webhook", hashlib.sha256).hexdigest()
