"""What a booking does when its payment arrives or fails (events from the payment webhook)."""

from __future__ import annotations

from core.booking.payloads import Bk
from core.booking.tables import Booking
from core.events import PaymentCaptured, PaymentFailed
from core.messaging import Button, Reply
from core.text import money as money_text
from core.uow import UnitOfWork


async def booking_payment_failed(u: UnitOfWork, ev: PaymentFailed) -> None:
    if ev.purpose != "booking" or (b := await u.session.get(Booking, ev.ref_id)) is None:
        return
    text = (
        f"Your payment for session #{b.id} didn't go through. Nothing was charged — "
        "tap Pay to try again."
    )
    await u.notify(
        b.learner_id, [Reply(text, buttons=((Button("💳 Pay", Bk("pay", b.id).pack()),),))]
    )


async def booking_payment_captured(u: UnitOfWork, ev: PaymentCaptured) -> None:
    """Confirm (or keep waiting for the mentor); refund a payment that came too late."""
    if ev.purpose != "booking" or (b := await u.session.get(Booking, ev.ref_id)) is None:
        return
    if await u.bookings.payment_captured(b.id):
        if b.status == "requested":
            await u.notify(
                b.learner_id,
                [Reply(f"💳 Payment received for #{b.id}. Waiting for the mentor to accept.")],
            )
        return
    refunded = await u.money.refund_payment(ev.payment_id)
    await u.notify(
        b.learner_id,
        [
            Reply(
                f"Your payment for #{b.id} arrived after the request had ended "
                f"({b.status}), so {money_text(refunded, ev.currency)} is refunded in full."
            )
        ],
    )
