"""What a booking does when its payment arrives or fails (events from the payment webhook)."""

from __future__ import annotations

from core.booking.payloads import Bk
from core.booking.tables import Booking
from core.booking.views import when
from core.currency import money as money_text
from core.db.schema import User
from core.events import PaymentCaptured, PaymentFailed
from core.markup import esc
from core.messaging import Button, Reply
from core.uow import UnitOfWork


async def booking_payment_failed(u: UnitOfWork, ev: PaymentFailed) -> None:
    if ev.purpose != "booking" or (b := await u.session.get(Booking, ev.ref_id)) is None:
        return
    text = (
        f"Your payment for session #{b.id} didn't go through. Nothing was charged — "
        "tap Pay to try again."
    )
    await u.notify(
        b.learner_id,
        [Reply(text, buttons=((Button("💳 Pay", Bk("pay", b.id).pack()),),))],
        kind="payment",
    )


async def booking_payment_captured(u: UnitOfWork, ev: PaymentCaptured) -> None:
    """Confirm (or keep waiting for the mentor); refund a payment that came too late."""
    if ev.purpose != "booking" or (b := await u.session.get(Booking, ev.ref_id)) is None:
        return
    if await u.bookings.payment_captured(b.id):
        if b.status == "requested":
            learner = await u.session.get(User, b.learner_id)
            mentor = await u.session.get(User, b.mentor_id)
            tz = learner.timezone if learner is not None else None
            name = esc(mentor.display_name) if mentor is not None else "the mentor"
            await u.notify(
                b.learner_id,
                [
                    Reply(
                        f"💳 Payment received for #{b.id}. Your request is now with *{name}*; "
                        f"they have until {esc(when(b.respond_by, tz))} to accept, or you're "
                        "refunded in full."
                    )
                ],
                kind="payment",
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
        kind="payment",
    )
