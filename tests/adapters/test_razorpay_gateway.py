"""RazorpayGateway: the real razorpay SDK over real HTTP to a local fake of Razorpay's API."""

from __future__ import annotations

from datetime import timedelta

import pytest

from core.app import CoreApp
from core.clock import ManualClock
from core.db.schema import User
from core.gateway_events import reconcile_pending
from core.ledger.tables import Payment
from core.ports import GatewayError
from core.services.money import Money
from payments.razorpay_gateway import RazorpayGateway, refund_idempotency_key
from tests.adapters.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay
from tests.support import rebuilt

# What every gateway promises is in tests/contract/test_gateway_contract.py; here is only what
# is Razorpay's own: what goes over the wire, its keys, and RazorpayX settings.


async def test_what_reaches_razorpay(
    razorpay_fake: FakeRazorpay, razorpay_gateway: RazorpayGateway
) -> None:
    order_id = await razorpay_gateway.create_order(
        amount=10000, currency="INR", receipt="r" * 50, notes={"mentorbot_payment_id": "1"}
    )
    order = razorpay_fake.orders[order_id]
    assert order["notes"] == {"mentorbot_payment_id": "1"} and order["receipt"] == "r" * 40
    paid = razorpay_fake.customer_pays(order_id)
    await razorpay_gateway.refund(payment_id=paid["id"], amount=4000, key="refund:payment:1")
    assert razorpay_fake.refunds[0]["notes"] == {"mentorbot_key": "refund:payment:1"}
    assert list(razorpay_fake.refund_keys) == [refund_idempotency_key("refund:payment:1")]
    await razorpay_gateway.payout(
        amount=50000, currency="INR", key="payout:7", destination="anita@upi", name="Anita"
    )
    assert list(razorpay_fake.payouts) == ["payout:7"]
    assert razorpay_fake.payouts["payout:7"]["mode"] == "UPI"


async def test_wrong_keys_are_a_gateway_error(razorpay_fake: FakeRazorpay) -> None:
    bad = RazorpayGateway(KEY_ID, "wrong", api_url=await razorpay_fake.start())
    with pytest.raises(GatewayError):
        await bad.create_order(amount=10000, currency="INR", receipt="x", notes={})


async def test_payouts_need_a_razorpayx_account(razorpay_fake: FakeRazorpay) -> None:
    no_account = RazorpayGateway(KEY_ID, KEY_SECRET, api_url=await razorpay_fake.start())
    with pytest.raises(GatewayError, match="PAYOUT_ACCOUNT"):
        await no_account.payout(
            amount=50000, currency="INR", key="payout:8", destination="anita@upi", name="Anita"
        )
    assert razorpay_fake.requests == []


async def test_reconcile_finds_a_payment_whose_webhook_never_came(
    core: CoreApp,
    clock: ManualClock,
    razorpay_fake: FakeRazorpay,
    razorpay_gateway: RazorpayGateway,
) -> None:
    fake, gateway = razorpay_fake, razorpay_gateway
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
