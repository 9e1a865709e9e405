"""Disputes and refunds decided on Telegram (the real aiogram bot against the fake Bot API),
with money going back through the real razorpay SDK to the local Razorpay fake."""

from __future__ import annotations

import pytest

from bots.telegram.bot import TelegramBot
from core.app import CoreApp
from core.clock import ManualClock
from core.db.engine import Database
from payments.razorpay_gateway import RazorpayGateway
from tests.adapters.fake_razorpay import FakeRazorpay
from tests.adapters.telegram.conftest import ADMIN_ID
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser
from tests.admin_support import balance, complete, session, status_of
from tests.money_support import invariants
from tests.support import make_core


@pytest.fixture
async def tg_core(db: Database, clock: ManualClock, razorpay_gateway: RazorpayGateway) -> CoreApp:
    return await make_core(db, clock, admins=[f"telegram:{ADMIN_ID}"], gateway=razorpay_gateway)


async def test_refund_a_dispute_and_part_of_a_session_on_telegram_through_razorpay(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp, razorpay_fake: FakeRazorpay
) -> None:
    def pay(order: str, _amount: int) -> str:
        return str(razorpay_fake.customer_pays(order)["id"])

    disputed = await session(tg_core, pay)
    admin = TgUser(api, tg, ADMIN_ID, "Admin")
    await admin.say("/admin disputes")
    assert f"Dispute: session #{disputed.booking_id}" in admin.text()
    await admin.press("Refund the learner")
    await admin.say("The mentor did not join the room")
    assert "the learner is refunded in full" in admin.text()
    assert [(r["payment_id"], r["amount"]) for r in razorpay_fake.refunds] == [
        (disputed.gateway_payment_id, 10000)
    ]
    assert await status_of(tg_core, disputed.booking_id) == "cancelled"
    assert await invariants(tg_core.db) == []

    held = await session(tg_core, pay, report=None, hours_ago=3)
    await complete(tg_core, held.booking_id)
    earned = await balance(tg_core, held.mentor_id)
    await admin.say(f"/admin refund {held.booking_id} 30 Audio dropped for ten minutes")
    assert f"Refunded ₹30 for session #{held.booking_id}" in admin.text()
    await admin.say(f"/admin refund {held.booking_id} 30 Audio dropped for ten minutes")
    assert "nothing was done again" in admin.text()
    assert [(r["payment_id"], r["amount"]) for r in razorpay_fake.refunds[1:]] == [
        (held.gateway_payment_id, 3000)
    ]
    assert razorpay_fake.refunds[1]["notes"]["mentorbot_key"].startswith("adminrefund:")
    assert await balance(tg_core, held.mentor_id) == earned
    assert await invariants(tg_core.db) == []


async def test_a_telegram_user_who_is_not_an_admin_is_refused(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp, razorpay_fake: FakeRazorpay
) -> None:
    s = await session(tg_core, lambda order, _a: str(razorpay_fake.customer_pays(order)["id"]))
    mallory = TgUser(api, tg, 4242, "Mallory")
    for command in (
        "/admin disputes",
        f"/admin decide {s.booking_id} learner give it back",
        f"/admin refund {s.booking_id} 10 some",
    ):
        await mallory.say(command)
        assert "Only admins" in mallory.text(), command
    assert razorpay_fake.refunds == []
    assert await status_of(tg_core, s.booking_id) == "disputed"
