"""POST /webhooks/razorpay: verify the signature over the raw body, then apply once."""

from __future__ import annotations

from aiohttp import web

from payments.events import process_webhook
from payments.runtime import PAYMENTS

PATH = "/webhooks/razorpay"
MAX_BODY = 256 * 1024


async def razorpay_webhook(request: web.Request) -> web.Response:
    rt = request.app[PAYMENTS]
    if request.content_length is not None and request.content_length > MAX_BODY:
        return web.Response(status=413, text="too large")
    body = await request.read()
    status, text = await process_webhook(
        rt.core(),
        body,
        request.headers.get("X-Razorpay-Signature"),
        request.headers.get("X-Razorpay-Event-Id"),
        rt.webhook_secret,
    )
    return web.Response(status=status, text=text)


def add_routes(app: web.Application) -> None:
    app.router.add_post(PATH, razorpay_webhook)
