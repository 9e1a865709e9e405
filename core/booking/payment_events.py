"""What a booking does when its payment arrives or fails (events from the payment webhook)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.service import Bookings
from core.booking.tables import Booking
from core.delivery import enqueue
from core.dialogs.sessions import Bk
from core.dialogs.views import money as money_text
from core.events import Event, PaymentCaptured, PaymentFailed
from core.messaging import Button, Reply
from core.services.money import Money

if TYPE_CHECKING:
    from core.app import CoreApp


async def on_booking_payment(
    app: CoreApp,
    s: AsyncSession,
    event: PaymentCaptured | PaymentFailed,
    now: datetime,
    more: list[Event],
) -> list[int]:
    """Confirm (or keep waiting for the mentor) on capture; refund a payment that came too
    late; ask to retry on failure. New booking events go to `more` for the same pass."""
    if event.purpose != "booking":
        return []
    b = await s.get(Booking, event.ref_id)
    if b is None:
        return []
    events: list[Event] = []
    money = Money(s, now, app.policies, events, app.payments_gateway)
    svc = Bookings(s, now, app.policies, events, money)
    if isinstance(event, PaymentFailed):
        text = (
            f"Your payment for session #{b.id} didn't go through. Nothing was charged — "
            "tap Pay to try again."
        )
        reply = Reply(text, buttons=((Button("💳 Pay", Bk("pay", b.id).pack()),),))
        return await enqueue(s, b.learner_id, [reply], now)
    ids: list[int] = []
    if await svc.payment_captured(b.id):
        if b.status == "requested":
            ids += await enqueue(
                s,
                b.learner_id,
                [Reply(f"💳 Payment received for #{b.id}. Waiting for the mentor to accept.")],
                now,
            )
    else:
        refunded = await money.refund_payment(event.payment_id)
        ids += await enqueue(
            s,
            b.learner_id,
            [
                Reply(
                    f"Your payment for #{b.id} arrived after the request had ended "
                    f"({b.status}), so {money_text(refunded, event.currency)} is refunded in full."
                )
            ],
            now,
        )
    more.extend(events)
    return ids
