"""The sandbox gateway: no keys, no network. Pay and Fail buttons on a local page produce
Razorpay-shaped, correctly signed webhook events that take the same path as Razorpay's."""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from core.ports import GatewayError, GatewayPayment


@dataclass
class SandboxGateway:
    name: str = "sandbox"
    orders: dict[str, dict[str, Any]] = field(default_factory=dict)
    attempts: dict[str, GatewayPayment] = field(default_factory=dict)
    refunds: dict[str, tuple[str, str, int]] = field(default_factory=dict)  # key → id, pay, amt
    payouts: dict[str, tuple[str, int, str]] = field(default_factory=dict)  # key → id, amt, dest

    async def create_order(
        self, *, amount: int, currency: str, receipt: str, notes: Mapping[str, str]
    ) -> str:
        order_id = "order_sbx" + secrets.token_hex(7)
        self.orders[order_id] = {
            "amount": amount,
            "currency": currency,
            "receipt": receipt,
            "notes": dict(notes),
        }
        return order_id

    def attempt(
        self, order_id: str, amount: int, currency: str, *, success: bool
    ) -> GatewayPayment:
        """A customer's try at paying the order (the page's Pay / Fail buttons)."""
        p = GatewayPayment(
            payment_id="pay_sbx" + secrets.token_hex(7),
            order_id=order_id,
            status="captured" if success else "failed",
            amount=amount,
            currency=currency,
            error="" if success else "Declined in the sandbox (you pressed Fail)",
        )
        self.attempts[p.payment_id] = p
        return p

    async def order_payments(self, order_id: str) -> list[GatewayPayment]:
        return [p for p in self.attempts.values() if p.order_id == order_id]

    async def refund(self, *, payment_id: str, amount: int, key: str) -> str:
        if key in self.refunds:
            return self.refunds[key][0]
        paid = self.attempts.get(payment_id)
        # The sandbox forgets everything when the process stops: a payment it doesn't know may
        # have been taken before a restart, so it is refunded rather than refused (Razorpay
        # refuses unknown payments; the contract suite leaves that case out on purpose).
        if paid is not None:
            if paid.status != "captured":
                raise GatewayError(f"{payment_id} is {paid.status}, not refundable")
            already = sum(a for _i, p, a in self.refunds.values() if p == payment_id)
            if already + amount > paid.amount:
                raise GatewayError("refund exceeds the payment")
        refund_id = "rfnd_sbx" + secrets.token_hex(7)
        self.refunds[key] = (refund_id, payment_id, amount)
        return refund_id

    async def payout(
        self, *, amount: int, currency: str, key: str, destination: str, name: str
    ) -> str:
        if key in self.payouts:
            return self.payouts[key][0]
        payout_id = "pout_sbx" + secrets.token_hex(7)
        self.payouts[key] = (payout_id, amount, destination)
        return payout_id


def razorpay_event(p: GatewayPayment, *, payment_ref: int, created_at: int) -> tuple[bytes, str]:
    """A webhook body shaped like Razorpay's payment.captured / payment.failed, and its id."""
    event = "payment.captured" if p.status == "captured" else "payment.failed"
    entity: dict[str, Any] = {
        "id": p.payment_id,
        "entity": "payment",
        "amount": p.amount,
        "currency": p.currency,
        "status": p.status,
        "order_id": p.order_id,
        "method": "upi",
        "captured": p.status == "captured",
        "notes": {"mentorbot_payment_id": str(payment_ref)},
        "error_code": None if p.status == "captured" else "BAD_REQUEST_ERROR",
        "error_description": p.error or None,
        "created_at": created_at,
    }
    body = {
        "entity": "event",
        "account_id": "acc_sandbox",
        "event": event,
        "contains": ["payment"],
        "payload": {"payment": {"entity": entity}},
        "created_at": created_at,
    }
    return json.dumps(body, separators=(",", ":")).encode(), "evt_sbx" + secrets.token_hex(8)
