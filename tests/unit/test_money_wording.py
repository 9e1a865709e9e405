"""Money wording (issue #22 item 2): a late cancellation says what each side gets, in the
same words as the confirm card, consistent with the 70/30 split."""

from __future__ import annotations

from datetime import timedelta

from core.app import CoreApp
from core.booking.lifecycle import keeps_share
from core.clock import ManualClock
from tests.e2e.rooms_support import START, book


def test_keeps_share_says_the_split_or_the_credit() -> None:
    assert keeps_share(12000, "INR", 3000) == (
        "the mentor keeps their share (₹84; platform fee ₹36)"
    )
    assert keeps_share(1, "CREDIT", 3000) == "the mentor keeps the credit"


async def test_a_late_cancellation_names_the_split_not_a_payment_to_the_mentor(
    core: CoreApp, clock: ManualClock
) -> None:
    booking_id, _mentor, learner = await book(core, price_mode="paid")
    clock.advance(START - timedelta(hours=1) - clock.now())
    async with core.uow() as u:
        quote = await u.bookings.cancel_quote(booking_id, learner)
    assert quote.mentor_paid
    assert "the mentor keeps their share (₹70; platform fee ₹30)" in quote.explanation
    assert "no refund" in quote.explanation and "mentor is paid" not in quote.explanation
