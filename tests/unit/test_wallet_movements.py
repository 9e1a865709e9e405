"""/wallet and its CSV show every money movement that concerns the person (issue #22 item 4):
card payments and refunds, holds, releases to the mentor, payouts, in the person's own time
zone (a fixed "UTC+5:30" too), with the CSV file dated in that zone."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from core.app import CoreApp
from core.clock import ManualClock
from core.db.schema import User
from core.timezones import zone
from payments.sandbox import SandboxGateway
from tests.e2e.rooms_support import START, book
from tests.money_support import fund
from tests.support import ChatDriver, RecordingChannel, rebuilt
from tests.unit.test_unpaid_requests import _booking, _gateway_says, _paid_setup, _request


def _csv(c: ChatDriver) -> tuple[str, list[dict[str, str]]]:
    att = c.last[0].attachment
    assert att is not None and att.mime == "text/csv"
    return att.filename, list(csv.DictReader(io.StringIO(att.data.decode())))


def _local(at: datetime, tz: str) -> str:
    return at.astimezone(zone(tz)).strftime("%d %b %H:%M")


async def test_a_learner_sees_their_card_payment_and_its_refund(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    core = rebuilt(core, gateway=SandboxGateway())
    _mentor, learner = await _paid_setup(core)
    await _request(learner)
    b = await _booking(core)
    paid_at = clock.now()
    assert await _gateway_says(core, b.id, "captured", 1) == "captured"
    clock.advance(timedelta(minutes=20))
    await learner.say("/sessions")
    await learner.press("Cancel")
    await learner.press("Yes, cancel it")
    assert "full refund" in learner.text()

    await learner.say("/wallet")
    text = learner.text()
    assert "times in Asia/Kolkata" in text
    assert f"{_local(paid_at, 'Asia/Kolkata')} · −₹100 · Paid by card for session #{b.id}" in text
    assert (
        f"{_local(clock.now(), 'Asia/Kolkata')} · +₹100 · Refunded to your card, session #{b.id}"
        in text
    )
    assert "+2 credits · Starter credits" in text  # credit movements are still there

    await learner.press("Export CSV")
    _name, rows = _csv(learner)
    by_kind = {r["kind"]: r for r in rows}
    assert by_kind["card_payment"]["amount"] == "-100.00"
    assert by_kind["card_refund"]["amount"] == "100.00"
    assert by_kind["card_payment"]["date"].endswith("+05:30")
    assert by_kind["card_payment"]["time_zone"] == "Asia/Kolkata"
    assert by_kind["starter"]["amount"] == "2"


async def test_a_mentor_in_utc_plus_5_30_sees_earnings_and_payouts_in_their_zone(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    core = rebuilt(core, gateway=SandboxGateway())
    admin = ChatDriver(core, "admin")
    await admin.say("/menu")
    booking_id, mentor_id, _learner_id = await book(core, price_mode="paid")
    mentor, learner = ChatDriver(core, "meera"), ChatDriver(core, "asha")

    # The mentor gives a fixed offset as their zone.
    await mentor.say("/profile")
    await mentor.press("Time zone")
    await mentor.say("UTC+5:30")
    async with core.db.transaction() as s:
        tz = (await s.scalar(select(User.timezone).where(User.id == mentor_id))) or ""
    assert tz == "UTC+05:30"

    # The session is held and completes: the money is released, 70/30.
    clock.advance(START + timedelta(hours=1) - clock.now())
    assert (await core.tick()).completed == 1
    released_at = clock.now()

    await learner.say("/wallet")
    text = learner.text()
    assert f"−₹100 · Paid by card for session #{booking_id}" in text
    assert f"₹70 · Released from your hold to the mentor, session #{booking_id}" in text
    assert f"₹30 · Platform fee, session #{booking_id}" in text

    await fund(core.db, mentor_id, 50000, "movements-fund")
    await mentor.say("/withdraw")
    await mentor.say("500")
    await mentor.say("meera@okaxis")
    await mentor.press("Yes")
    await admin.press("Approve", [inbox.inbox["admin"][-1]])
    assert "Paid out withdrawal" in admin.text()

    # Late evening UTC is already the next day at UTC+05:30.
    clock.advance(datetime(2026, 11, 23, 19, 0, tzinfo=UTC) - clock.now())
    await mentor.say("/wallet")
    text = mentor.text()
    assert "times in UTC+05:30" in text
    assert f"{_local(released_at, 'UTC+05:30')} · +₹70 · Session #{booking_id}" in text
    assert _local(released_at, "UTC+05:30") != _local(released_at, "UTC")
    assert "−₹500 · Withdrawal #" in text and "₹500 · Payout #" in text
    # The learner's card payment isn't the mentor's movement.
    assert "Paid by card" not in text

    await mentor.press("Export CSV")
    name, rows = _csv(mentor)
    assert name == "mentorbot-statement-20261124.csv"
    kinds = [r["kind"] for r in rows]
    assert {"earning", "withdrawal", "payout"} <= set(kinds)
    assert all(r["date"].endswith("+05:30") and r["time_zone"] == "UTC+05:30" for r in rows)
    payout = next(r for r in rows if r["kind"] == "payout")
    assert payout["amount"] == "0.00" and payout["moved"] == "500.00"


async def test_a_credit_hold_and_its_release_to_the_mentor_are_both_listed(
    core: CoreApp, clock: ManualClock
) -> None:
    booking_id, _mentor_id, _learner_id = await book(core)  # one credit, held
    clock.advance(START + timedelta(hours=1) - clock.now())
    assert (await core.tick()).completed == 1
    learner = ChatDriver(core, "asha")
    await learner.say("/wallet")
    text = learner.text()
    assert "times in Europe/London" in text
    assert f"−1 credit · Held for session #{booking_id}" in text
    assert f"1 credit · Released from your hold to the mentor, session #{booking_id}" in text
    await learner.press("Export CSV")
    _name, rows = _csv(learner)
    release = next(r for r in rows if r["kind"] == "release")
    assert release["amount"] == "0" and release["moved"] == "1"
