"""Razorpay behind the PaymentGateway port: orders, refunds, payouts (RazorpayX).

The SDK is synchronous (requests), so every call runs in a thread. `api_url` points the
client elsewhere (tests run a local fake of Razorpay's API).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import razorpay
from razorpay.errors import BadRequestError, ServerError
from razorpay.errors import GatewayError as RzpGatewayError
from requests import RequestException

from core.ports import GatewayError, GatewayPayment

T = TypeVar("T")
TIMEOUT_S = 20


def refund_idempotency_key(key: str) -> str:
    """Our key as Razorpay accepts it: 10 or more of A-Z a-z 0-9 _ - (ours hold colons)."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]


class RazorpayGateway:
    name = "razorpay"

    def __init__(
        self, key_id: str, key_secret: str, *, api_url: str = "", payout_account: str = ""
    ) -> None:
        options: dict[str, Any] = {"base_url": api_url.rstrip("/")} if api_url else {}
        self.client = razorpay.Client(auth=(key_id, key_secret), **options)
        self.payout_account = payout_account

    async def _call(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        kwargs.setdefault("timeout", TIMEOUT_S)
        try:
            return await asyncio.to_thread(fn, *args, **kwargs)
        except (BadRequestError, RzpGatewayError, ServerError, RequestException) as exc:
            raise GatewayError(f"Razorpay: {exc}") from exc

    async def create_order(
        self, *, amount: int, currency: str, receipt: str, notes: Mapping[str, str]
    ) -> str:
        order = await self._call(
            self.client.order.create,
            {
                "amount": amount,
                "currency": currency,
                "receipt": receipt[:40],
                "notes": dict(notes),
                "payment_capture": 1,
            },
        )
        return str(order["id"])

    async def order_payments(self, order_id: str) -> list[GatewayPayment]:
        res = await self._call(self.client.order.payments, order_id)
        return [
            GatewayPayment(
                payment_id=str(p["id"]),
                order_id=str(p.get("order_id") or order_id),
                status=str(p.get("status", "")),
                amount=int(p.get("amount", 0)),
                currency=str(p.get("currency", "")),
                error=str(p.get("error_description") or ""),
            )
            for p in res.get("items", [])
        ]

    async def refund(self, *, payment_id: str, amount: int, key: str) -> str:
        # Idempotent by key: a refund made before (then our commit failed) is found again.
        done = await self._call(self.client.payment.fetch_multiple_refund, payment_id)
        for r in done.get("items", []):
            if (r.get("notes") or {}).get("mentorbot_key") == key:
                return str(r["id"])
        # Retries racing each other all miss the lookup above; Razorpay's idempotency header
        # makes them one refund.
        made = await self._call(
            self.client.payment.refund,
            payment_id,
            {"amount": amount, "speed": "normal", "notes": {"mentorbot_key": key}},
            headers={"X-Refund-Idempotency": refund_idempotency_key(key)},
        )
        return str(made["id"])

    async def payout(
        self, *, amount: int, currency: str, key: str, destination: str, name: str
    ) -> str:
        if not self.payout_account:
            raise GatewayError("set MENTORBOT_RAZORPAY_PAYOUT_ACCOUNT (RazorpayX) for payouts")
        contact = await self._call(
            self.client.post,
            "/v1/contacts",
            {"name": name[:50] or "Mentor", "type": "vendor", "reference_id": key[:40]},
        )
        fund = await self._call(
            self.client.fund_account.create,
            {"contact_id": contact["id"], "account_type": "vpa", "vpa": {"address": destination}},
        )
        payout = await self._call(
            self.client.post,
            "/v1/payouts",
            {
                "account_number": self.payout_account,
                "fund_account_id": fund["id"],
                "amount": amount,
                "currency": currency,
                "mode": "UPI",
                "purpose": "payout",
                "queue_if_low_balance": True,
                "reference_id": key[:40],
                "narration": "MentorBot payout",
            },
            headers={"X-Payout-Idempotency": key},
        )
        return str(payout["id"])
