"""Admin disputes and refunds through the chat (issue 17): the ledger balances after every
decision, money goes back through the gateway, credits come back, and both sides are told."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from core.app import CoreApp
from core.booking.joins import record
from core.clock import ManualClock
from core.db.schema import AuditEntry
from core.ledger.tables import Payment
from payments.sandbox import SandboxGateway
from tests.admin_support import balance, session, status_of
from tests.money_support import invariants
from tests.support import ChatDriver, RecordingChannel, rebuilt


def _sandbox_pay(gw: SandboxGateway):  # type: ignore[no-untyped-def]
    def pay(order: str, amount: int) -> str:
        return gw.attempt(order, amount, "INR", success=True).payment_id

    return pay


@pytest.fixture
def sandbox() -> SandboxGateway:
    return SandboxGateway()


@pytest.fixture
def gcore(core: CoreApp, sandbox: SandboxGateway) -> CoreApp:
    return rebuilt(core, gateway=sandbox)


async def _audit(core: CoreApp) -> list[tuple[str, str, str]]:
    async with core.db.transaction() as s:
        rows = await s.scalars(select(AuditEntry).order_by(AuditEntry.id))
        return [(a.action, a.target, a.detail) for a in rows]


async def test_the_dispute_queue_shows_both_sides_and_the_room(
    gcore: CoreApp, sandbox: SandboxGateway, inbox: RecordingChannel, clock: ManualClock
) -> None:
    admin = ChatDriver(gcore, "admin")
    await admin.say("/menu")
    s = await session(gcore, _sandbox_pay(sandbox))
    # The mentor is asked for their side when the report comes in.
    asked = [r for r in inbox.inbox["meera"] if "Give your side" in str(r.all_buttons())]
    assert asked and f"session #{s.booking_id}" in asked[-1].text
    mentor = ChatDriver(gcore, "meera")
    await mentor.press("Give your side", asked[-1:])
    await mentor.say("I waited 20 minutes in the room")
    assert "Thanks" in mentor.text()
    async with gcore.db.transaction() as db:
        start = clock.now() - timedelta(hours=1)
        await record(db, s.booking_id, s.mentor_id, "mentor", "join", start)
        await record(
            db, s.booking_id, s.mentor_id, "mentor", "leave", start + timedelta(minutes=20)
        )
    await admin.say("/admin disputes")
    text = admin.text()
    assert f"Dispute: session #{s.booking_id}" in text
    assert "Asha (learner): “The mentor never showed up”" in text
    assert "Meera (mentor): “I waited 20 minutes in the room”" in text
    assert "mentor join" in text and "mentor leave" in text
    assert "Held in escrow: ₹100" in text
    labels = [b.label for r in admin.last for b in r.all_buttons()]
    assert labels == ["Pay the mentor", "Refund the learner", "Split"]


async def test_pay_the_mentor(
    gcore: CoreApp, sandbox: SandboxGateway, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(gcore, "admin")
    await admin.say("/menu")
    s = await session(gcore, _sandbox_pay(sandbox))
    await admin.say("/admin disputes")
    await admin.press("Pay the mentor")
    assert "Both sides of session" in admin.text()
    await admin.say("The room log shows both joined")
    assert f"Decided session #{s.booking_id}: the mentor is paid" in admin.text()
    assert await status_of(gcore, s.booking_id) == "completed"
    share = await balance(gcore, s.mentor_id)
    assert 0 < share < 10000  # the platform fee is kept
    assert await invariants(gcore.db) == []
    for name in ("asha", "meera"):
        told = inbox.inbox[name][-1].text
        assert "the mentor is paid" in told and "The room log shows both joined" in told
    assert sandbox.refunds == {}
    assert ("dispute.mentor", f"booking:{s.booking_id}") in [a[:2] for a in await _audit(gcore)]
    # Decided once: the buttons are stale now.
    await admin.say(f"/admin decide {s.booking_id} learner changed my mind")
    assert "not disputed" in admin.text()
    assert await invariants(gcore.db) == []


async def test_refund_the_learner_in_full(
    gcore: CoreApp, sandbox: SandboxGateway, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(gcore, "admin")
    s = await session(gcore, _sandbox_pay(sandbox))
    await admin.say("/admin disputes")
    await admin.press("Refund the learner")
    await admin.say("Mentor did not join")
    assert "the learner is refunded in full" in admin.text()
    assert await status_of(gcore, s.booking_id) == "cancelled"
    [(_rid, pay_id, amt)] = sandbox.refunds.values()
    assert (pay_id, amt) == (s.gateway_payment_id, 10000)
    assert await balance(gcore, s.mentor_id) == 0
    assert await invariants(gcore.db) == []
    async with gcore.db.transaction() as db:
        p = await db.get(Payment, s.payment_id)
        assert p is not None and p.state == "refunded"
    assert "Mentor did not join" in inbox.inbox["asha"][-1].text
    assert "Mentor did not join" in inbox.inbox["meera"][-1].text


async def test_split_by_percent_by_command(
    gcore: CoreApp, sandbox: SandboxGateway, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(gcore, "admin")
    s = await session(gcore, _sandbox_pay(sandbox))
    await admin.say(f"/admin decide {s.booking_id} split 40% Half the session happened")
    assert "₹40 goes back to the learner" in admin.text()
    [(_rid, pay_id, amt)] = sandbox.refunds.values()
    assert (pay_id, amt) == (s.gateway_payment_id, 4000)
    mentor = await balance(gcore, s.mentor_id)
    assert 0 < mentor < 6000
    assert await status_of(gcore, s.booking_id) == "completed"
    assert await invariants(gcore.db) == []
    assert "split: ₹40 back to the learner" in inbox.inbox["asha"][-1].text


async def test_split_asks_the_part_then_the_reason(
    gcore: CoreApp, sandbox: SandboxGateway, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(gcore, "admin")
    s = await session(gcore, _sandbox_pay(sandbox))
    await admin.say("/admin disputes")
    await admin.press("Split")
    await admin.say("500")
    assert "Please give 0 to ₹100" in admin.text()
    await admin.say("25")
    await admin.say("Mentor was late")
    assert "₹25 goes back to the learner" in admin.text()
    [(_rid, _pay, amt)] = sandbox.refunds.values()
    assert amt == 2500
    assert await invariants(gcore.db) == []
    assert s.booking_id


async def test_refund_partial_then_rest_is_idempotent(
    gcore: CoreApp, sandbox: SandboxGateway, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(gcore, "admin")
    s = await session(gcore, _sandbox_pay(sandbox), report=None)
    async with gcore.uow() as u:  # the session is held and completed: the mentor is paid
        b = await u.bookings.get(s.booking_id)
        assert b is not None
        assert await u.bookings._complete(b) == 1
    earned = await balance(gcore, s.mentor_id)
    await admin.say(f"/admin refund {s.booking_id} 30 Audio was bad for ten minutes")
    assert f"Refunded ₹30 for session #{s.booking_id}" in admin.text()
    assert "refunded ₹30" in inbox.inbox["asha"][-1].text
    assert "Audio was bad" in inbox.inbox["asha"][-1].text
    assert await invariants(gcore.db) == []
    # The same refund again does nothing.
    await admin.say(f"/admin refund {s.booking_id} 30 Audio was bad for ten minutes")
    assert "already made; nothing was done again" in admin.text()
    assert len(sandbox.refunds) == 1
    # More than is left is refused; the rest goes back.
    await admin.say(f"/admin refund {s.booking_id} 80 more")
    assert "at most ₹70" in admin.text()
    await admin.say(f"/admin refund {s.booking_id}")
    assert "Why refund" in admin.text()
    await admin.say("Goodwill")
    assert "Refunded ₹70" in admin.text()
    assert sorted(a for _i, _p, a in sandbox.refunds.values()) == [3000, 7000]
    assert {p for _i, p, _a in sandbox.refunds.values()} == {s.gateway_payment_id}
    await admin.say(f"/admin refund {s.booking_id} Goodwill")
    assert "already made; nothing was done again" in admin.text()
    await admin.say(f"/admin refund {s.booking_id} Another reason")
    assert "already refunded in full" in admin.text()
    # The mentor keeps what they earned; the platform paid the refund.
    assert await balance(gcore, s.mentor_id) == earned
    assert await invariants(gcore.db) == []
    actions = [a for a in await _audit(gcore) if a[0] == "booking.refund"]
    assert [a[2].split(":")[0] for a in actions] == ["₹30", "₹70"]


async def test_credits_come_back(gcore: CoreApp, inbox: RecordingChannel) -> None:
    admin = ChatDriver(gcore, "admin")
    s = await session(gcore, credits=True)
    before = await balance(gcore, s.learner_id, "CREDIT")
    await admin.say(f"/admin decide {s.booking_id} learner Mentor did not join")
    assert await balance(gcore, s.learner_id, "CREDIT") == before + 1
    assert await invariants(gcore.db) == []


async def test_credits_refunded_after_a_completed_session(
    gcore: CoreApp, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(gcore, "admin")
    s = await session(gcore, credits=True, report=None)
    async with gcore.uow() as u:
        b = await u.bookings.get(s.booking_id)
        assert b is not None
        await u.bookings._complete(b)
    before = await balance(gcore, s.learner_id, "CREDIT")
    mentor_had = await balance(gcore, s.mentor_id, "CREDIT")
    await admin.say(f"/admin refund {s.booking_id} Session was cut short")
    assert "Refunded 1 credit" in admin.text()
    assert await balance(gcore, s.learner_id, "CREDIT") == before + 1
    assert await balance(gcore, s.mentor_id, "CREDIT") == mentor_had  # earned, kept
    assert "refunded 1 credit" in inbox.inbox["asha"][-1].text
    assert await invariants(gcore.db) == []


async def test_a_non_admin_is_refused_every_money_command(
    gcore: CoreApp, sandbox: SandboxGateway, inbox: RecordingChannel
) -> None:
    s = await session(gcore, _sandbox_pay(sandbox))
    admin = ChatDriver(gcore, "admin")
    await admin.say("/admin disputes")
    listing = admin.last
    mallory = ChatDriver(gcore, "mallory")
    for command in (
        "/admin disputes",
        f"/admin decide {s.booking_id} learner give it back",
        f"/admin decide {s.booking_id} split 50% half",
        f"/admin refund {s.booking_id} all of it",
        f"/admin refund {s.booking_id} 10 some",
    ):
        await mallory.say(command)
        assert "Only admins" in mallory.text(), command
    for label in ("Pay the mentor", "Refund the learner", "Split"):
        await mallory.press(label, listing)
        assert "Only admins" in mallory.text(), label
    assert await status_of(gcore, s.booking_id) == "disputed"
    assert sandbox.refunds == {}


async def test_a_session_still_to_come_is_refunded_in_full_and_cancelled(
    gcore: CoreApp, sandbox: SandboxGateway, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(gcore, "admin")
    s = await session(gcore, _sandbox_pay(sandbox), report=None)
    await admin.say(f"/admin refund {s.booking_id} 30 part of it")
    assert "only a full refund" in admin.text()
    assert sandbox.refunds == {}
    await admin.say(f"/admin refund {s.booking_id} The mentor is ill")
    assert f"Refunded ₹100 for session #{s.booking_id}" in admin.text()
    assert await status_of(gcore, s.booking_id) == "cancelled"
    [(_rid, pay_id, amt)] = sandbox.refunds.values()
    assert (pay_id, amt) == (s.gateway_payment_id, 10000)
    assert await balance(gcore, s.mentor_id) == 0
    assert await invariants(gcore.db) == []
    await admin.say(f"/admin refund {s.booking_id} The mentor is ill")
    assert "nothing was done again" in admin.text()
    assert len(sandbox.refunds) == 1
