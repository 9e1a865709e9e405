"""The console (`mentorbot chat`) gets the same complete core as the server: a paid booking
cancelled from the terminal is refunded through the payment gateway."""

from __future__ import annotations

from pathlib import Path

from core.clock import ManualClock
from core.ledger.ledger import platform
from mentorbot.bootstrap import build_core
from tests.e2e.rooms_support import BOOKED_AT, PAID_PRICE, book, call_settings
from tests.support import ChatDriver


async def test_a_paid_booking_cancelled_from_the_console_is_refunded(tmp_path: Path) -> None:
    settings = call_settings(tmp_path, match_model="none")
    # What `mentorbot chat` builds: bootstrap's core, not one assembled by hand.
    core = await build_core(settings, ManualClock(BOOKED_AT), matching=False)
    try:
        assert core.payments_gateway is not None
        booking_id, _mentor, _learner = await book(core, price_mode="paid")
        asha = ChatDriver(core, "asha", platform="console")
        await asha.say("/sessions")
        await asha.press("Cancel")
        assert "refund" in asha.text().lower(), asha.text()
        await asha.press("Yes, cancel it")
        assert "Sorry" not in asha.text(), asha.text()
        assert "is cancelled" in asha.text()
        async with core.uow() as u:
            ledger = u.money.ledger
            assert await ledger.balance(platform("escrow", "INR")) == 0
            refunds = await ledger.transfers(f"booking:{booking_id}")
            assert sum(t.amount for t in refunds if t.kind == "refund") == PAID_PRICE, [
                (t.kind, t.amount) for t in refunds
            ]
            assert await ledger.check_invariants() == []
    finally:
        await core.db.dispose()
