"""Payments over real HTTP on 127.0.0.1: the sandbox checkout page and POST /webhooks/razorpay."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import func, select

from core.app import CoreApp
from core.db.schema import User
from core.ledger import Ledger
from core.ledger.tables import LedgerTransfer, Payment
from core.services.money import Money
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from payments.events import sign
from tests.pay_support import pay_form
from tests.support import rebuilt

SECRET = "whsec_e2e"  # also the Razorpay-mode tests' webhook secret


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/pay.db",
        data_dir=tmp_path,
        secret_key="e2e-secret",  # type: ignore[arg-type]
        razorpay_webhook_secret=SECRET,  # type: ignore[arg-type]
    )


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as s:
        yield s


def core_of(srv: TestServer) -> CoreApp:
    return srv.app[CORE]


async def new_payment(core: CoreApp, booking_id: int = 41, amount: int = 10000) -> Payment:
    async with core.uow() as uow:
        s = uow.session
        u = User(display_name="Learner", created_at=core.clock.now())
        s.add(u)
        await s.flush()
        pays = uow.payments
        co = await pays.checkout(
            purpose="booking",
            ref_id=booking_id,
            payer_id=u.id,
            amount=amount,
            currency="INR",
            description="10-minute session on React",
        )
        p = await pays.get(co.payment_id)
        assert p is not None and co.url.endswith(f"/pay/{p.token}")
        return p


async def state_of(core: CoreApp, payment_id: int) -> tuple[str, dict[str, int], list[str]]:
    async with core.db.transaction() as s:
        p = await s.get(Payment, payment_id)
        assert p is not None
        money = Money(s, core.clock.now(), core.policies, [])
        return p.state, await money.escrowed(p.ref_id), await money.ledger.check_invariants()


def event_body(
    name: str, p: Payment, order_id: str, pay_id: str = "pay_T1", status: str = "captured"
) -> bytes:
    entity = {
        "id": pay_id,
        "entity": "payment",
        "amount": p.amount,
        "currency": p.currency,
        "status": status,
        "order_id": order_id,
        "notes": {"mentorbot_payment_id": str(p.id)},
        "error_description": None if status == "captured" else "Card declined",
    }
    return json.dumps(
        {"entity": "event", "event": name, "payload": {"payment": {"entity": entity}}}
    ).encode()


async def post_event(
    http: aiohttp.ClientSession,
    srv: TestServer,
    body: bytes,
    event_id: str,
    signature: str | None = "sign",
) -> tuple[int, str]:
    headers = {"Content-Type": "application/json", "X-Razorpay-Event-Id": event_id}
    if signature == "sign":
        headers["X-Razorpay-Signature"] = sign(body, SECRET)
    elif signature is not None:
        headers["X-Razorpay-Signature"] = signature
    async with http.post(srv.make_url("/webhooks/razorpay"), data=body, headers=headers) as r:
        return r.status, await r.text()


async def with_order(core: CoreApp, p: Payment, order_id: str) -> None:
    async with core.uow() as u:
        await u.payments.attach_order(p.id, order_id)


async def test_sandbox_checkout_end_to_end(server: TestServer, http: aiohttp.ClientSession) -> None:
    core = core_of(server)
    assert core.payments_gateway is not None and core.payments_gateway.name == "sandbox"
    p = await new_payment(core)
    async with http.get(server.make_url(f"/pay/{p.token}")) as r:
        page = await r.text()
        assert r.status == 200
    assert "SANDBOX" in page and "₹100" in page and "React" in page
    # Issue #22 item 16: styled, and a way back to the chat.
    assert "<style>" in page and "href='/chat'" in page
    # Fail first: nothing is credited, the page offers another try.
    data, headers = await pay_form(http, server.make_url(f"/pay/{p.token}"), outcome="fail")
    async with http.post(
        server.make_url(f"/pay/{p.token}/sandbox"), data=data, headers=headers
    ) as r:
        assert r.status == 200 and "didn't go through" in await r.text()
    assert await state_of(core, p.id) == ("failed", {}, [])
    data, headers = await pay_form(http, server.make_url(f"/pay/{p.token}"), outcome="pay")
    async with http.post(
        server.make_url(f"/pay/{p.token}/sandbox"), data=data, headers=headers
    ) as r:
        assert r.status == 200 and "Paid" in await r.text()
    assert await state_of(core, p.id) == ("captured", {"INR": 10000}, [])
    # Pressing Pay again (a reload, a double click) charges nothing more.
    async with http.post(
        server.make_url(f"/pay/{p.token}/sandbox"), data=data, headers=headers
    ) as r:
        assert r.status == 200
    assert await state_of(core, p.id) == ("captured", {"INR": 10000}, [])

    # Refund goes back through the sandbox gateway, once.
    async with core.db.transaction() as s:
        money = Money(s, core.clock.now(), core.policies, [], core.payments_gateway)
        assert await money.refund_booking(p.ref_id) == {"INR": 10000}
        assert await money.refund_booking(p.ref_id) == {}
    assert await state_of(core, p.id) == ("refunded", {}, [])
    async with http.get(server.make_url(f"/pay/{p.token}")) as r:
        assert "Refunded" in await r.text()


async def test_bad_payment_token_gets_a_helpful_page(
    server: TestServer, http: aiohttp.ClientSession
) -> None:
    async with http.get(server.make_url("/pay/not-a-real-token")) as r:
        assert r.status == 404
        text = await r.text()
    assert "doesn't work" in text and "Nothing was charged" in text


async def test_same_event_three_times_concurrently_credits_once(
    server: TestServer, http: aiohttp.ClientSession
) -> None:
    core = core_of(server)
    p = await new_payment(core)
    await with_order(core, p, "order_T1")
    body = event_body("payment.captured", p, "order_T1")
    results = await asyncio.gather(*(post_event(http, server, body, "evt_1") for _ in range(3)))
    assert [s for s, _ in results] == [200, 200, 200]
    assert sorted(t for _, t in results) == ["captured", "duplicate", "duplicate"]
    # The same payment under another event id (order.paid) is deduped by payment id.
    again = event_body("order.paid", p, "order_T1")
    assert await post_event(http, server, again, "evt_2") == (200, "ignored")
    assert await state_of(core, p.id) == ("captured", {"INR": 10000}, [])
    async with core.db.transaction() as s:
        n = await s.scalar(select(func.count()).where(LedgerTransfer.kind == "payment"))
    assert n == 1


async def test_bad_or_missing_signature_changes_nothing(
    server: TestServer, http: aiohttp.ClientSession
) -> None:
    core = core_of(server)
    p = await new_payment(core)
    await with_order(core, p, "order_T2")
    body = event_body("payment.captured", p, "order_T2")
    assert (await post_event(http, server, body, "evt_3", signature=None))[0] == 400
    assert (await post_event(http, server, body, "evt_3", signature="0" * 64))[0] == 401
    tampered = body.replace(b"10000", b"10001")
    assert (await post_event(http, server, tampered, "evt_3", signature=sign(body, SECRET)))[
        0
    ] == 401
    assert await state_of(core, p.id) == ("created", {}, [])
    # The rejected deliveries didn't burn the event id: the genuine one still works.
    assert await post_event(http, server, body, "evt_3") == (200, "captured")


async def test_unknown_payment_is_acknowledged(
    server: TestServer, http: aiohttp.ClientSession
) -> None:
    core = core_of(server)
    p = await new_payment(core)
    body = event_body("payment.captured", p, "order_nobody_knows").replace(
        f'"mentorbot_payment_id": "{p.id}"'.encode(), b'"mentorbot_payment_id": "999999"'
    )
    assert await post_event(http, server, body, "evt_4") == (200, "unknown")
    assert await state_of(core, p.id) == ("created", {}, [])


async def test_events_out_of_order_never_move_back(
    server: TestServer, http: aiohttp.ClientSession
) -> None:
    core = core_of(server)
    p = await new_payment(core)
    await with_order(core, p, "order_T5")
    captured = event_body("payment.captured", p, "order_T5", pay_id="pay_B")
    failed = event_body("payment.failed", p, "order_T5", pay_id="pay_A", status="failed")
    assert await post_event(http, server, captured, "evt_5") == (200, "captured")
    assert await post_event(http, server, failed, "evt_6") == (200, "ignored")
    assert await state_of(core, p.id) == ("captured", {"INR": 10000}, [])
    async with core.db.transaction() as s:
        assert await Ledger(s, core.clock.now()).check_invariants() == []


async def test_wallet_over_the_web_chat_with_a_csv_statement(server: TestServer) -> None:
    import base64

    from tests.e2e.webclient import WebChatClient

    chat = WebChatClient(str(server.make_url("")).rstrip("/"))
    try:
        await chat.open()
        await chat.say("/wallet")
        assert "Credits: 2 credits" in chat.text() and "Starter credits" in chat.text()
        await chat.press("Export CSV")
        (att,) = [m["attachment"] for m in chat.last if m["attachment"]]
        assert att["mime"] == "text/csv"
        assert "CREDIT,2,2,starter" in base64.b64decode(att["data_base64"]).decode()
    finally:
        await chat.close()


async def test_reconcile_asks_the_sandbox_about_pending_payments(
    server: TestServer, http: aiohttp.ClientSession
) -> None:
    from datetime import timedelta

    from core.clock import ManualClock
    from core.gateway_events import reconcile_pending
    from payments.sandbox import SandboxGateway

    core = core_of(server)
    gw = core.payments_gateway
    assert isinstance(gw, SandboxGateway)
    p = await new_payment(core)
    async with http.get(server.make_url(f"/pay/{p.token}")) as r:
        assert r.status == 200
    async with core.db.transaction() as s:
        fresh = await s.get(Payment, p.id)
        assert fresh is not None and fresh.gateway_order_id is not None
        order_id = fresh.gateway_order_id
    # Paid at the gateway, but the webhook was lost.
    gw.attempt(order_id, p.amount, p.currency, success=True)
    later = rebuilt(core, clock=ManualClock(core.clock.now() + timedelta(minutes=30)))
    assert await reconcile_pending(later.deps) == 1
    assert await state_of(core, p.id) == ("captured", {"INR": 10000}, [])


async def test_pay_forms_refuse_big_bodies_before_reading_them(
    server: TestServer, http: aiohttp.ClientSession
) -> None:
    core = core_of(server)
    p = await new_payment(core)
    for path in (f"/pay/{p.token}/sandbox", f"/pay/{p.token}/return"):
        big = {"outcome": "pay", "padding": "x" * 64 * 1024}
        async with http.post(server.make_url(path), data=big, allow_redirects=False) as r:
            assert r.status == 413, path
    assert await state_of(core, p.id) == ("created", {}, [])
    data, headers = await pay_form(http, server.make_url(f"/pay/{p.token}"), outcome="pay")
    async with http.post(
        server.make_url(f"/pay/{p.token}/sandbox"),
        data=data,
        headers=headers,
        allow_redirects=False,
    ) as r:
        assert r.status == 303
