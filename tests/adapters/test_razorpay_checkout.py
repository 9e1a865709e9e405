"""The app in Razorpay mode: the real SDK against a local fake API, webhooks signed as Razorpay
signs them, the checkout page and its return signature."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from core.services.money import Money
from mentorbot.app import create_app
from mentorbot.settings import Settings
from tests.adapters.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay
from tests.e2e.test_payments_http import core_of, new_payment, post_event, state_of
from tests.pay_support import pay_form

WEBHOOK_SECRET = "whsec_e2e"


@pytest.fixture
async def server(tmp_path: Path, razorpay_fake: FakeRazorpay) -> AsyncIterator[TestServer]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/rzp.db",
        data_dir=tmp_path,
        secret_key="e2e-secret",  # type: ignore[arg-type]
        razorpay_key_id=KEY_ID,
        razorpay_key_secret=KEY_SECRET,  # type: ignore[arg-type]
        razorpay_webhook_secret=WEBHOOK_SECRET,  # type: ignore[arg-type]
        razorpay_api_url=await razorpay_fake.start(),
    )
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def test_pay_with_razorpay_end_to_end(
    server: TestServer, razorpay_fake: FakeRazorpay
) -> None:
    core = core_of(server)
    assert core.payments_gateway is not None and core.payments_gateway.name == "razorpay"
    p = await new_payment(core, booking_id=77, amount=25000)
    async with aiohttp.ClientSession() as http:
        async with http.get(server.make_url(f"/pay/{p.token}")) as r:
            page = await r.text()
        assert r.status == 200 and "SANDBOX" not in page
        (order_id,) = razorpay_fake.orders
        assert "checkout.razorpay.com" in page and order_id in page and KEY_ID in page
        assert KEY_SECRET not in page
        # A reload doesn't make a second order.
        async with http.get(server.make_url(f"/pay/{p.token}")) as r:
            assert r.status == 200
        assert len(razorpay_fake.orders) == 1

        # The checkout page is open in the browser while the customer pays.
        csrf, headers = await pay_form(http, server.make_url(f"/pay/{p.token}"))
        paid = razorpay_fake.customer_pays(order_id)
        body = json.dumps(
            {
                "entity": "event",
                "event": "payment.captured",
                "contains": ["payment"],
                "payload": {"payment": {"entity": paid}},
            }
        ).encode()
        assert await post_event(http, server, body, "evt_rzp_1") == (200, "captured")

        sig = hmac.new(
            KEY_SECRET.encode(), f"{order_id}|{paid['id']}".encode(), hashlib.sha256
        ).hexdigest()
        form = {
            **csrf,
            "razorpay_order_id": order_id,
            "razorpay_payment_id": paid["id"],
            "razorpay_signature": sig,
        }
        async with http.post(
            server.make_url(f"/pay/{p.token}/return"), data=form, headers=headers
        ) as r:
            assert r.status == 200 and "Thanks" in await r.text()
        form["razorpay_signature"] = "0" * 64
        async with http.post(
            server.make_url(f"/pay/{p.token}/return"), data=form, headers=headers
        ) as r:
            assert r.status == 400
    assert await state_of(core, p.id) == ("captured", {"INR": 25000}, [])

    async with core.db.transaction() as s:
        money = Money(s, core.clock.now(), core.policies, [], core.payments_gateway)
        assert await money.refund_booking(77) == {"INR": 25000}
    assert [(r["payment_id"], r["amount"]) for r in razorpay_fake.refunds] == [(paid["id"], 25000)]
    assert await state_of(core, p.id) == ("refunded", {}, [])
