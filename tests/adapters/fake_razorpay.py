"""A small fake of Razorpay's REST API on 127.0.0.1: orders, payments, refunds, payouts."""

from __future__ import annotations

import base64
import itertools
import re
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestServer

KEY_ID, KEY_SECRET = "rzp_test_key", "rzp_test_secret"
REFUND_IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_-]{10,}")


def _bad_request(description: str) -> web.Response:
    return web.json_response(
        {"error": {"code": "BAD_REQUEST_ERROR", "description": description}}, status=400
    )


class FakeRazorpay:
    def __init__(self, key_id: str, key_secret: str) -> None:
        self.auth = "Basic " + base64.b64encode(f"{key_id}:{key_secret}".encode()).decode()
        self.ids = itertools.count(1)
        self.orders: dict[str, dict[str, Any]] = {}
        self.payments: dict[str, dict[str, Any]] = {}
        self.refunds: list[dict[str, Any]] = []
        self.refund_keys: dict[str, tuple[Any, dict[str, Any]]] = {}  # key → request, refund
        self.payouts: dict[str, dict[str, Any]] = {}  # idempotency key → payout
        self.requests: list[tuple[str, str]] = []
        self.server: TestServer | None = None

    def _id(self, prefix: str) -> str:
        return f"{prefix}_fake{next(self.ids)}"

    @web.middleware
    async def _check_auth(self, request: web.Request, handler: Any) -> web.StreamResponse:
        self.requests.append((request.method, request.path))
        if request.headers.get("Authorization") != self.auth:
            return web.json_response(
                {"error": {"code": "BAD_REQUEST_ERROR", "description": "Authentication failed"}},
                status=401,
            )
        return await handler(request)

    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._check_auth])
        app.router.add_post("/v1/orders", self.create_order)
        app.router.add_get("/v1/orders/{id}/payments", self.order_payments)
        app.router.add_post("/v1/payments/{id}/refund", self.refund)
        app.router.add_get("/v1/payments/{id}/refunds", self.list_refunds)
        app.router.add_post("/v1/contacts", self.contact)
        app.router.add_post("/v1/fund_accounts", self.fund_account)
        app.router.add_post("/v1/payouts", self.payout)
        return app

    async def start(self) -> str:
        self.server = TestServer(self.app(), host="127.0.0.1")
        await self.server.start_server()
        return str(self.server.make_url("")).rstrip("/")

    async def close(self) -> None:
        if self.server is not None:
            await self.server.close()

    # -- what a customer does at Razorpay's checkout ----------------------------------------

    def customer_pays(self, order_id: str, *, success: bool = True) -> dict[str, Any]:
        order = self.orders[order_id]
        pay = {
            "id": self._id("pay"),
            "entity": "payment",
            "order_id": order_id,
            "amount": order["amount"],
            "currency": order["currency"],
            "status": "captured" if success else "failed",
            "error_description": None if success else "Payment was declined",
        }
        self.payments[pay["id"]] = pay
        if success:
            order["status"] = "paid"
        return pay

    # -- API --------------------------------------------------------------------------------

    async def create_order(self, request: web.Request) -> web.Response:
        data = await request.json()
        if not isinstance(data.get("amount"), int) or data["amount"] < 100:
            return _bad_request("amount too small")
        order = {
            "id": self._id("order"),
            "entity": "order",
            "amount": data["amount"],
            "currency": data["currency"],
            "receipt": data.get("receipt"),
            "notes": data.get("notes", {}),
            "status": "created",
        }
        self.orders[order["id"]] = order
        return web.json_response(order)

    async def order_payments(self, request: web.Request) -> web.Response:
        oid = request.match_info["id"]
        items = [p for p in self.payments.values() if p["order_id"] == oid]
        return web.json_response({"entity": "collection", "count": len(items), "items": items})

    async def refund(self, request: web.Request) -> web.Response:
        pid = request.match_info["id"]
        data = await request.json()
        key = request.headers.get("X-Refund-Idempotency")
        if key is not None:
            # Razorpay: at least 10 of A-Z a-z 0-9 _ -; a retry must repeat the request exactly.
            if not REFUND_IDEMPOTENCY_KEY.fullmatch(key):
                return _bad_request("invalid idempotency key")
            if key in self.refund_keys:
                first, made = self.refund_keys[key]
                if first != (pid, data):
                    return _bad_request(
                        "Different request with the same idempotency key has already been "
                        "processed."
                    )
                return web.json_response(made)
        pay = self.payments.get(pid)
        done = sum(r["amount"] for r in self.refunds if r["payment_id"] == pid)
        if pay is None or pay["status"] != "captured" or done + data["amount"] > pay["amount"]:
            return _bad_request("not refundable")
        refund = {
            "id": self._id("rfnd"),
            "entity": "refund",
            "payment_id": pid,
            "amount": data["amount"],
            "notes": data.get("notes", {}),
            "status": "processed",
        }
        self.refunds.append(refund)
        if key is not None:
            self.refund_keys[key] = ((pid, data), refund)
        return web.json_response(refund)

    async def list_refunds(self, request: web.Request) -> web.Response:
        pid = request.match_info["id"]
        items = [r for r in self.refunds if r["payment_id"] == pid]
        return web.json_response({"entity": "collection", "count": len(items), "items": items})

    async def contact(self, request: web.Request) -> web.Response:
        data = await request.json()
        return web.json_response({"id": self._id("cont"), "entity": "contact", **data})

    async def fund_account(self, request: web.Request) -> web.Response:
        data = await request.json()
        return web.json_response({"id": self._id("fa"), "entity": "fund_account", **data})

    async def payout(self, request: web.Request) -> web.Response:
        key = request.headers.get("X-Payout-Idempotency")
        if not key:
            return _bad_request("idempotency key")
        data = await request.json()
        if key not in self.payouts:
            self.payouts[key] = {
                "id": self._id("pout"),
                "entity": "payout",
                "amount": data["amount"],
                "currency": data["currency"],
                "fund_account_id": data["fund_account_id"],
                "mode": data["mode"],
                "status": "processing",
            }
        return web.json_response(self.payouts[key])
