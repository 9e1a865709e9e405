"""An admin refund through the real razorpay SDK to the local Razorpay fake: the right
payment and amount reach Razorpay once; when Razorpay can't be reached nothing changes."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.db.disputes import AdminRefund
from payments.razorpay_gateway import RazorpayGateway, refund_idempotency_key
from tests.adapters.fake_razorpay import FakeRazorpay
from tests.admin_support import balance, complete, session
from tests.money_support import invariants
from tests.support import ChatDriver, RecordingChannel, rebuilt


async def test_a_partial_refund_reaches_razorpay_once(
    core: CoreApp,
    inbox: RecordingChannel,
    razorpay_fake: FakeRazorpay,
    razorpay_gateway: RazorpayGateway,
) -> None:
    core = rebuilt(core, gateway=razorpay_gateway)
    s = await session(core, lambda o, _a: str(razorpay_fake.customer_pays(o)["id"]), report=None)
    await complete(core, s.booking_id)
    admin = ChatDriver(core, "admin")
    await admin.say(f"/admin refund {s.booking_id} 45.50 Screen share failed")
    assert "Refunded ₹45.50" in admin.text()
    [refund] = razorpay_fake.refunds
    assert (refund["payment_id"], refund["amount"]) == (s.gateway_payment_id, 4550)
    key = refund["notes"]["mentorbot_key"]
    assert refund_idempotency_key(key) in razorpay_fake.refund_keys
    await admin.say(f"/admin refund {s.booking_id} 45.50 Screen share failed")
    assert "nothing was done again" in admin.text()
    assert len(razorpay_fake.refunds) == 1
    assert ("POST", f"/v1/payments/{s.gateway_payment_id}/refund") in razorpay_fake.requests
    assert await invariants(core.db) == []


async def test_when_razorpay_is_unreachable_nothing_is_refunded(
    core: CoreApp,
    inbox: RecordingChannel,
    razorpay_fake: FakeRazorpay,
    razorpay_gateway: RazorpayGateway,
) -> None:
    core = rebuilt(core, gateway=razorpay_gateway)
    s = await session(core, lambda o, _a: str(razorpay_fake.customer_pays(o)["id"]), report=None)
    await complete(core, s.booking_id)
    learner_before = len(inbox.inbox.get("asha", []))
    earned = await balance(core, s.mentor_id)
    await razorpay_fake.close()
    admin = ChatDriver(core, "admin")
    await admin.say(f"/admin refund {s.booking_id} Screen share failed")
    assert "Nothing refunded: Razorpay" in admin.text()
    async with core.db.transaction() as db:
        assert list(await db.scalars(select(AdminRefund))) == []
    assert await balance(core, s.mentor_id) == earned
    assert len(inbox.inbox.get("asha", [])) == learner_before
    assert await invariants(core.db) == []
