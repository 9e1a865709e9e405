"""RazorpayGateway: the real razorpay SDK over real HTTP to a local fake of Razorpay's API."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from core.app import CoreApp
from core.clock import ManualClock
from core.db.schema import User
from core.gateway_events import reconcile_pending
from core.ledger.tables import Payment
from core.ports import GatewayError
from core.services.money import Money
from payments.razorpay_gateway import RazorpayGateway
from tests.adapters.fake_razorpay import FakeRazorpay
from tests.support import rebuilt

KEY_ID, KEY_SECRET = "rzp_test_key", "rzp_test_secret"


@pytest.fixture
async def fake() -> AsyncIterator[FakeRazorpay]:
    api = FakeRazorpay(KEY_ID, KEY_SECRET)
    yield api
    await api.close()


@pytest.fixture
async def gateway(fake: FakeRazorpay) -> RazorpayGateway:
    url = await fake.start()
    assert url.startswith("http://127.0.0.1:")
    return RazorpayGateway(KEY_ID, KEY_SECRET, api_url=url, payout_account="2323230041626905")


async def test_order_payments_and_refund_once(fake: FakeRazorpay, gateway: RazorpayGateway) -> None:
    order_id = await gateway.create_order(
        amount=10000, currency="INR", receipt="mentorbot_1", notes={"mentorbot_payment_id": "1"}
    )
    assert fake.orders[order_id]["notes"] == {"mentorbot_payment_id": "1"}
    assert await gateway.order_payments(order_id) == []
    fake.customer_pays(order_id, success=False)
    paid = fake.customer_pays(order_id)
    statuses = sorted(p.status for p in await gateway.order_payments(order_id))
    assert statuses == ["captured", "failed"]

    r1 = await gateway.refund(payment_id=paid["id"], amount=10000, key="refund:payment:1")
    r2 = await gateway.refund(payment_id=paid["id"], amount=10000, key="refund:payment:1")
    assert r1 == r2 and len(fake.refunds) == 1
    with pytest.raises(GatewayError):
        await gateway.refund(payment_id=paid["id"], amount=10000, key="refund:payment:other")


async def test_payout_carries_the_idempotency_key(
    fake: FakeRazorpay, gateway: RazorpayGateway
) -> None:
    a = await gateway.payout(
        amount=50000, currency="INR", key="payout:7", destination="anita@upi", name="Anita"
    )
    b = await gateway.payout(
        amount=50000, currency="INR", key="payout:7", destination="anita@upi", name="Anita"
    )
    assert a == b and list(fake.payouts) == ["payout:7"]
    assert fake.payouts["payout:7"]["mode"] == "UPI"


async def test_wrong_keys_are_a_gateway_error(fake: FakeRazorpay) -> None:
    url = await fake.start()
    bad = RazorpayGateway(KEY_ID, "wrong", api_url=url)
    with pytest.raises(GatewayError):
        await bad.create_order(amount=10000, currency="INR", receipt="x", notes={})


async def test_reconcile_finds_a_payment_whose_webhook_never_came(
    core: CoreApp, clock: ManualClock, fake: FakeRazorpay, gateway: RazorpayGateway
) -> None:
    core = rebuilt(core, gateway=gateway)
    async with core.uow() as uow:
        s = uow.session
        u = User(display_name="L", created_at=clock.now())
        s.add(u)
        await s.flush()
        pays = uow.payments
        co = await pays.checkout(
            purpose="booking",
            ref_id=5,
            payer_id=u.id,
            amount=20000,
            currency="INR",
            description="x",
        )
    order_id = await gateway.create_order(amount=20000, currency="INR", receipt="r", notes={})
    async with core.uow() as uow:
        await uow.payments.attach_order(co.payment_id, order_id)
    fake.customer_pays(order_id)
    assert await reconcile_pending(core.deps) == 0  # too fresh: the webhook may still come
    clock.advance(timedelta(minutes=15))
    assert await reconcile_pending(core.deps) == 1
    assert await reconcile_pending(core.deps) == 0
    async with core.db.transaction() as s:
        p = await s.get(Payment, co.payment_id)
        assert p is not None and p.state == "captured"
        money = Money(s, clock.now(), core.policies, [], gateway)
        assert await money.escrowed(5) == {"INR": 20000}
        assert await money.refund_booking(5) == {"INR": 20000}
        assert await money.ledger.check_invariants() == []
    assert len(fake.refunds) == 1
