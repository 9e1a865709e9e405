"""The PaymentGateway port (core/ports.py), run against every implementation: the sandbox, and
Razorpay through the real SDK over HTTP to the local fake of Razorpay's API."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from core.ports import GatewayError, PaymentGateway
from payments.razorpay_gateway import RazorpayGateway
from payments.sandbox import SandboxGateway
from tests.adapters.fake_razorpay import FakeRazorpay

PRICE = 10000


@dataclass
class Subject:
    gateway: PaymentGateway
    # What the customer does on the gateway's checkout (outside the port): pay an order, or
    # fail to; returns the gateway's payment id.
    customer_pays: Callable[[str, bool], str]

    async def order(self, amount: int = PRICE) -> str:
        return await self.gateway.create_order(
            amount=amount,
            currency="INR",
            receipt="mentorbot_1",
            notes={"mentorbot_payment_id": "1"},
        )

    async def captured(self, amount: int = PRICE) -> str:
        return self.customer_pays(await self.order(amount), True)


def _sandbox() -> Subject:
    gw = SandboxGateway()

    def pays(order_id: str, success: bool) -> str:
        order = gw.orders[order_id]
        return gw.attempt(order_id, order["amount"], order["currency"], success=success).payment_id

    return Subject(gw, pays)


def _razorpay(fake: FakeRazorpay, gw: RazorpayGateway) -> Subject:
    return Subject(
        gw, lambda order_id, success: fake.customer_pays(order_id, success=success)["id"]
    )


@pytest.fixture(params=["sandbox", "razorpay"])
def subject(request: pytest.FixtureRequest) -> Subject:
    if request.param == "sandbox":
        return _sandbox()
    fake = request.getfixturevalue("razorpay_fake")
    return _razorpay(fake, request.getfixturevalue("razorpay_gateway"))


async def test_a_new_order_has_its_own_id_and_no_payments(subject: Subject) -> None:
    a, b = await subject.order(), await subject.order()
    assert isinstance(a, str) and a and a != b
    assert await subject.gateway.order_payments(a) == []


async def test_order_payments_report_every_attempt_on_that_order(subject: Subject) -> None:
    order, other = await subject.order(), await subject.order(25000)
    failed = subject.customer_pays(order, False)
    paid = subject.customer_pays(order, True)
    subject.customer_pays(other, True)
    got = {p.payment_id: p for p in await subject.gateway.order_payments(order)}
    assert set(got) == {failed, paid}
    assert got[paid].status == "captured" and got[paid].error == ""
    assert got[failed].status == "failed" and got[failed].error
    for p in got.values():
        assert (p.order_id, p.amount, p.currency) == (order, PRICE, "INR")


async def test_partial_refunds_up_to_the_payment_then_refused(subject: Subject) -> None:
    pay = await subject.captured()
    first = await subject.gateway.refund(payment_id=pay, amount=3000, key="refund:a")
    second = await subject.gateway.refund(payment_id=pay, amount=PRICE - 3000, key="refund:b")
    assert first and second and first != second
    with pytest.raises(GatewayError):
        await subject.gateway.refund(payment_id=pay, amount=1, key="refund:c")


async def test_a_refused_over_refund_changes_nothing(subject: Subject) -> None:
    pay = await subject.captured()
    with pytest.raises(GatewayError):
        await subject.gateway.refund(payment_id=pay, amount=PRICE + 1, key="refund:too-much")
    assert await subject.gateway.refund(payment_id=pay, amount=PRICE, key="refund:all")


async def test_a_failed_payment_is_not_refundable(subject: Subject) -> None:
    order = await subject.order()
    failed = subject.customer_pays(order, False)
    with pytest.raises(GatewayError):
        await subject.gateway.refund(payment_id=failed, amount=PRICE, key="refund:failed")


async def test_a_refund_happens_once_per_key(subject: Subject) -> None:
    pay = await subject.captured()
    first = await subject.gateway.refund(payment_id=pay, amount=4000, key="refund:once")
    again = await subject.gateway.refund(payment_id=pay, amount=4000, key="refund:once")
    assert again == first
    # Had the retry refunded again, only 2000 would be left.
    await subject.gateway.refund(payment_id=pay, amount=PRICE - 4000, key="refund:rest")


async def test_concurrent_retries_of_a_refund_refund_once(subject: Subject) -> None:
    pay = await subject.captured()
    ids = await asyncio.gather(
        *(
            subject.gateway.refund(payment_id=pay, amount=4000, key="refund:racing")
            for _ in range(3)
        )
    )
    assert len(set(ids)) == 1
    await subject.gateway.refund(payment_id=pay, amount=PRICE - 4000, key="refund:rest")


async def test_a_payout_happens_once_per_key(subject: Subject) -> None:
    async def pay(key: str) -> str:
        return await subject.gateway.payout(
            amount=60000, currency="INR", key=key, destination="meera@okaxis", name="Meera"
        )

    first = await pay("payout:1")
    assert first and await pay("payout:1") == first
    assert await pay("payout:2") not in ("", first)
