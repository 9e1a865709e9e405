"""/pay/{token}: the checkout page. SANDBOX (Pay / Fail buttons) or Razorpay Checkout."""

from __future__ import annotations

import html
import json
import logging
import time

from aiohttp import web

from core.currency import money
from core.ledger.tables import Payment
from core.ports import GatewayError
from payments.events import process_webhook, sign, verify_payment
from payments.runtime import PAYMENTS, PaymentsRuntime
from payments.sandbox import SandboxGateway, razorpay_event

log = logging.getLogger(__name__)

STYLE = """
body{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;color:#222}
.banner{background:#b45309;color:#fff;font-weight:700;letter-spacing:.2em;text-align:center;
padding:.6rem;border-radius:.4rem}
.amount{font-size:2rem;margin:.5rem 0}
button{font-size:1.1rem;padding:.6rem 1.4rem;margin:.3rem;border-radius:.4rem;border:0;cursor:pointer}
.pay{background:#15803d;color:#fff}.fail{background:#b91c1c;color:#fff}
.muted{color:#666;font-size:.9rem}
"""


# Every pay page leads back: the web chat is served by the same app; people from a chat app
# go back there (their booking and what comes next are in that chat).
WAY_BACK = (
    "<p class=muted><a href='/chat'>← Back to the MentorBot web chat</a>, or to the app you "
    "came from (Telegram, Slack or Discord).</p>"
)


def page(title: str, body: str, status: int = 200) -> web.Response:
    doc = (
        f"<!doctype html><html lang=en><head><meta charset=utf-8>"
        f"<meta name=viewport content='width=device-width,initial-scale=1'>"
        f"<title>{html.escape(title)} · MentorBot</title><style>{STYLE}</style></head>"
        f"<body>{body}{WAY_BACK}</body></html>"
    )
    return web.Response(text=doc, content_type="text/html", status=status)


BAD_TOKEN = (
    "<h1>This payment link doesn't work</h1>"
    "<p>It may be mistyped, cut short, or from an old message. Nothing was charged.</p>"
    "<p>Go back to your chat with MentorBot and open the booking again to get a fresh "
    "payment link.</p>"
)


async def _load(rt: PaymentsRuntime, token: str) -> Payment | None:
    async with rt.core().uow() as u:
        return await u.payments.by_token(token)


async def _ensure_order(rt: PaymentsRuntime, p: Payment) -> str:
    if p.gateway_order_id:
        return p.gateway_order_id
    order_id = await rt.gateway.create_order(
        amount=p.amount,
        currency=p.currency,
        receipt=f"mentorbot_{p.id}",
        notes={"mentorbot_payment_id": str(p.id)},
    )
    async with rt.core().uow() as u:
        return await u.payments.attach_order(p.id, order_id)


def _status_page(p: Payment) -> web.Response:
    what = html.escape(p.description or "your MentorBot session")
    amount = money(p.amount, p.currency)
    if p.state in ("captured", "settled"):
        return page(
            "Paid",
            f"<h1>✅ Paid</h1><p>{amount} for {what} was received.</p>"
            "<p>You can close this page and go back to your chat.</p>",
        )
    if p.state == "refunded":
        return page(
            "Refunded",
            f"<h1>Refunded</h1><p>{amount} for {what} was refunded to you.</p>"
            "<p>Go back to your chat to book again.</p>",
        )
    return page("Payment", "<p>Go back to your chat with MentorBot.</p>")


async def pay_page(request: web.Request) -> web.Response:
    rt = request.app[PAYMENTS]
    p = await _load(rt, request.match_info["token"])
    if p is None:
        return page("Payment link not valid", BAD_TOKEN, status=404)
    if p.state in ("captured", "refunded", "settled"):
        return _status_page(p)
    try:
        order_id = await _ensure_order(rt, p)
    except GatewayError:
        log.exception("could not create a gateway order for payment %s", p.id)
        return page(
            "Try again",
            "<h1>The payment service didn't answer</h1><p>Nothing was charged. "
            "Reload this page in a minute.</p>",
            status=503,
        )
    what = html.escape(p.description or "MentorBot session")
    amount = money(p.amount, p.currency)
    failed = (
        f"<p class=muted>Your last attempt didn't go through "
        f"({html.escape(p.failure_reason or 'declined')}). You can try again.</p>"
        if p.state == "failed"
        else ""
    )
    token = html.escape(p.token)
    if rt.sandbox:
        return page(
            "SANDBOX payment",
            "<div class=banner>SANDBOX — NO REAL MONEY</div>"
            f"<h1>Pay for {what}</h1><div class=amount>{amount}</div>{failed}"
            "<p class=muted>This is the test checkout MentorBot uses when no payment "
            "gateway is set up. Pick what the payment should do:</p>"
            f"<form method=post action='/pay/{token}/sandbox'>"
            "<button class=pay name=outcome value=pay>Pay</button>"
            "<button class=fail name=outcome value=fail>Fail</button></form>",
        )
    options = {
        "key": rt.key_id,
        "amount": p.amount,
        "currency": p.currency,
        "order_id": order_id,
        "name": "MentorBot",
        "description": p.description,
        "notes": {"mentorbot_payment_id": str(p.id)},
    }
    return page(
        "Payment",
        f"<h1>Pay for {what}</h1><div class=amount>{amount}</div>{failed}"
        "<button class=pay id=pay>Pay with Razorpay</button>"
        f"<form id=done method=post action='/pay/{token}/return'>"
        "<input type=hidden name=razorpay_payment_id><input type=hidden name=razorpay_order_id>"
        "<input type=hidden name=razorpay_signature></form>"
        "<script src='https://checkout.razorpay.com/v1/checkout.js'></script>"
        "<script>const o="
        + json.dumps(options).replace("<", "\\u003c")
        + ";o.handler=function(r){const f=document.getElementById('done');"
        "for(const k in r){if(f.elements[k])f.elements[k].value=r[k];}f.submit();};"
        "document.getElementById('pay').onclick=function(){new Razorpay(o).open();};</script>",
    )


# A pay form carries one or three short fields; anything bigger is refused before it is read.
MAX_FORM_BYTES = 8 * 1024


def _refuse_big(request: web.Request) -> None:
    size = request.content_length
    if size is None or size > MAX_FORM_BYTES:
        raise web.HTTPRequestEntityTooLarge(
            max_size=MAX_FORM_BYTES, actual_size=size if size is not None else -1
        )


async def sandbox_submit(request: web.Request) -> web.StreamResponse:
    _refuse_big(request)
    rt = request.app[PAYMENTS]
    token = request.match_info["token"]
    if not rt.sandbox or not isinstance(rt.gateway, SandboxGateway):
        return page("Not available", "<p>This checkout isn't in sandbox mode.</p>", status=404)
    p = await _load(rt, token)
    if p is None:
        return page("Payment link not valid", BAD_TOKEN, status=404)
    form = await request.post()
    if p.state in ("created", "failed"):
        order_id = await _ensure_order(rt, p)
        attempt = rt.gateway.attempt(
            order_id, p.amount, p.currency, success=form.get("outcome") == "pay"
        )
        body, event_id = razorpay_event(attempt, payment_ref=p.id, created_at=int(time.time()))
        # The same path as Razorpay's own delivery: signed body → webhook processing.
        status, text = await process_webhook(
            rt.core(), body, sign(body, rt.webhook_secret), event_id, rt.webhook_secret
        )
        if status != 200:
            log.error("sandbox event was refused: %s %s", status, text)
    raise web.HTTPSeeOther(f"/pay/{token}")


async def razorpay_return(request: web.Request) -> web.Response:
    """Razorpay Checkout's success callback. The webhook credits; this only reassures."""
    _refuse_big(request)
    rt = request.app[PAYMENTS]
    p = await _load(rt, request.match_info["token"])
    if p is None:
        return page("Payment link not valid", BAD_TOKEN, status=404)
    form = await request.post()
    ok = (
        verify_payment(
            str(form.get("razorpay_order_id", "")),
            str(form.get("razorpay_payment_id", "")),
            str(form.get("razorpay_signature", "")),
            rt.key_secret,
        )
        and form.get("razorpay_order_id") == p.gateway_order_id
    )
    if not ok:
        return page(
            "Not confirmed",
            "<h1>We couldn't confirm that payment here</h1><p>If money left your account, "
            "MentorBot will still see it from Razorpay within minutes. Go back to your chat.</p>",
            status=400,
        )
    return page(
        "Thanks",
        "<h1>Thanks!</h1><p>Razorpay has your payment; MentorBot confirms it in your chat "
        "in a moment. You can close this page.</p>",
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/pay/{token}", pay_page)
    app.router.add_post("/pay/{token}/sandbox", sandbox_submit)
    app.router.add_post("/pay/{token}/return", razorpay_return)
