"""Razorpay webhook events: signature check over the raw body, parsing, applying once.

The sandbox gateway signs its events with the same secret and hands them to
`process_webhook`, the function behind POST /webhooks/razorpay, so both take one path.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from typing import Any

from core.app import CoreApp
from core.gateway_events import apply_gateway_event
from core.services.payments import GatewayEvent

log = logging.getLogger(__name__)

CAPTURED = {"payment.captured", "order.paid"}
FAILED = {"payment.failed"}


def sign(body: bytes, secret: str) -> str:
    """X-Razorpay-Signature for a body: hex HMAC-SHA256 with the webhook secret."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify_webhook(body: str, signature: str, secret: str) -> bool:
    """razorpay's own check (verify_webhook_signature takes the body as str)."""
    if not signature or not secret:
        return False
    # razorpay pulls in requests (0.1 s): imported on the first webhook, not at start-up.
    from razorpay.errors import SignatureVerificationError
    from razorpay.utility.utility import Utility

    try:
        return bool(Utility().verify_webhook_signature(body, signature, secret))
    except (SignatureVerificationError, TypeError, ValueError):
        return False


def verify_payment(order_id: str, payment_id: str, signature: str, key_secret: str) -> bool:
    """The checkout's return signature: HMAC of `order_id|payment_id` with the key secret."""
    from razorpay.errors import SignatureVerificationError
    from razorpay.utility.utility import Utility

    util = Utility(_KeyOnly(key_secret))
    try:
        return bool(
            util.verify_payment_signature(
                {
                    "razorpay_order_id": order_id,
                    "razorpay_payment_id": payment_id,
                    "razorpay_signature": signature,
                }
            )
        )
    except (SignatureVerificationError, TypeError, ValueError):
        return False


class _KeyOnly:
    def __init__(self, secret: str) -> None:
        self.auth = ("", secret)


def to_gateway_event(event_id: str, data: dict[str, Any]) -> GatewayEvent:
    name = str(data.get("event", ""))
    payload = data.get("payload") or {}
    entity = ((payload.get("payment") or {}).get("entity")) or {}
    notes = entity.get("notes") or {}
    ref = notes.get("mentorbot_payment_id") if isinstance(notes, dict) else None
    kind = "captured" if name in CAPTURED else "failed" if name in FAILED else "other"
    if kind == "captured" and entity.get("status") not in (None, "captured"):
        kind = "other"  # order.paid always carries a captured payment; be strict anyway
    return GatewayEvent(
        event_id=event_id,
        kind=kind,
        gateway_payment_id=str(entity.get("id", "")),
        gateway_order_id=str(entity.get("order_id") or ""),
        amount=int(entity.get("amount") or 0),
        currency=str(entity.get("currency") or ""),
        payment_ref=int(ref) if isinstance(ref, str | int) and str(ref).isdigit() else None,
        reason=str(entity.get("error_description") or entity.get("error_reason") or ""),
    )


async def process_webhook(
    core: CoreApp, body: bytes, signature: str | None, event_id: str | None, secret: str
) -> tuple[int, str]:
    """(HTTP status, short text). Nothing changes unless the signature is right."""
    if not signature:
        return 400, "missing X-Razorpay-Signature"
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return 400, "body is not UTF-8"
    if not verify_webhook(text, signature, secret):
        log.warning("razorpay webhook with a bad signature rejected")
        return 401, "bad signature"
    try:
        data = json.loads(text)
    except ValueError:
        return 400, "body is not JSON"
    if not isinstance(data, dict):
        return 400, "body is not a JSON object"
    evid = event_id or "body:" + hashlib.sha256(body).hexdigest()
    outcome = await apply_gateway_event(core.deps, to_gateway_event(evid, data))
    log.info("razorpay event %s (%s): %s", evid, data.get("event"), outcome)
    return 200, outcome
