"""/pay/{token}: the checkout page. SANDBOX (Pay / Fail buttons) or Razorpay Checkout."""

from __future__ import annotations

import logging
import re
import secrets
import time
from pathlib import Path
from typing import Any

import aiohttp_jinja2
import jinja2
from aiohttp import web

from core import pages
from core.currency import money
from core.ledger.tables import Payment
from core.ports import GatewayError
from core.signing import csrf_token, csrf_valid
from payments.events import process_webhook, sign, verify_payment
from payments.runtime import PAYMENTS, PaymentsRuntime
from payments.sandbox import SandboxGateway, razorpay_event

log = logging.getLogger(__name__)

TEMPLATES = web.AppKey("payments_templates", jinja2.Environment)
STATIC = Path(__file__).parent / "static"
# Every form that changes something posts a token tied to this cookie (issue 18).
CSRF_COOKIE = "mb_csrf"
CSRF_FIELD = "csrf"
_COOKIE_SHAPE = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Razorpay Checkout loads its script and opens its own frames; nothing inline from us.
RAZORPAY_CSP = (
    "default-src 'self'; script-src 'self' https://checkout.razorpay.com; "
    "frame-src https://api.razorpay.com https://checkout.razorpay.com; "
    "connect-src 'self' https://*.razorpay.com; img-src 'self' data: https://*.razorpay.com; "
    "style-src 'self' 'unsafe-inline'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def _csrf_cookie(request: web.Request) -> tuple[str, bool]:
    """The visitor's CSRF cookie, or a new one (True: it must be set on the response)."""
    given = request.cookies.get(CSRF_COOKIE, "")
    if _COOKIE_SHAPE.fullmatch(given):
        return given, False
    return secrets.token_urlsafe(24), True


def _refuse_forged(request: web.Request, form: Any) -> None:
    keys = request.app[PAYMENTS].core().deps.signing_keys
    token = form.get(CSRF_FIELD)
    if not csrf_valid(keys, request.cookies.get(CSRF_COOKIE), str(token) if token else None):
        raise web.HTTPForbidden(
            text="This form has expired or didn't come from MentorBot. Open the payment link again."
        )


def render(
    request: web.Request, name: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    return aiohttp_jinja2.render_template(name, request, context, app_key=TEMPLATES, status=status)


def message(
    request: web.Request, title: str, what: str, status: int = 200, **more: Any
) -> web.Response:
    """A pay page that only says something (pay_message.html)."""
    return render(request, "pay_message.html", {"title": title, "what": what, **more}, status)


def bad_token(request: web.Request) -> web.Response:
    return message(request, "Payment link not valid", "bad_token", 404)


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


def _status_page(request: web.Request, p: Payment) -> web.Response:
    amount = money(p.amount, p.currency)
    what = p.description or "your MentorBot session"
    if p.state in ("captured", "settled"):
        return message(request, "Paid", "paid", amount=amount, description=what)
    if p.state == "refunded":
        return message(request, "Refunded", "refunded", amount=amount, description=what)
    return message(request, "Payment", "other")


async def pay_page(request: web.Request) -> web.Response:
    rt = request.app[PAYMENTS]
    p = await _load(rt, request.match_info["token"])
    if p is None:
        return bad_token(request)
    if p.state in ("captured", "refunded", "settled"):
        return _status_page(request, p)
    try:
        order_id = await _ensure_order(rt, p)
    except GatewayError:
        log.exception("could not create a gateway order for payment %s", p.id)
        return message(request, "Try again", "unavailable", 503)
    context = {
        "title": "SANDBOX payment" if rt.sandbox else "Payment",
        "sandbox": rt.sandbox,
        "description": p.description or "MentorBot session",
        "amount": money(p.amount, p.currency),
        "failure": (p.failure_reason or "declined") if p.state == "failed" else "",
        "token": p.token,
        "options": {
            "key": rt.key_id,
            "amount": p.amount,
            "currency": p.currency,
            "order_id": order_id,
            "name": "MentorBot",
            "description": p.description,
            "notes": {"mentorbot_payment_id": str(p.id)},
        },
    }
    cookie, fresh = _csrf_cookie(request)
    context["csrf"] = csrf_token(rt.core().deps.signing_keys, cookie)
    resp = render(request, "pay_checkout.html", context)
    if fresh:
        resp.set_cookie(
            CSRF_COOKIE,
            cookie,
            path="/pay",
            httponly=True,
            samesite="Lax",
            secure=request.secure or rt.core().deps.policies.public_url.startswith("https"),
        )
    if not rt.sandbox:
        resp.headers["Content-Security-Policy"] = RAZORPAY_CSP
    return resp


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
        return message(request, "Not available", "not_sandbox", 404)
    p = await _load(rt, token)
    if p is None:
        return bad_token(request)
    form = await request.post()
    _refuse_forged(request, form)
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
        return bad_token(request)
    form = await request.post()
    _refuse_forged(request, form)
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
        return message(request, "Not confirmed", "not_confirmed", 400)
    return message(request, "Thanks", "thanks")


def add_routes(app: web.Application) -> None:
    aiohttp_jinja2.setup(app, app_key=TEMPLATES, **pages.environment_options("payments"))
    app.router.add_static("/pay/static", str(STATIC), append_version=False)
    app.router.add_get("/pay/{token}", pay_page)
    app.router.add_post("/pay/{token}/sandbox", sandbox_submit)
    app.router.add_post("/pay/{token}/return", razorpay_return)
