"""When a session is reported: the reporter's words become their statement, and the other
side is asked for theirs (admins see both in `/admin disputes`)."""

from __future__ import annotations

from core.booking.admin_money import side_button
from core.booking.tables import Booking
from core.events import BookingDisputed
from core.messaging import Reply
from core.uow import UnitOfWork


async def ask_other_side(u: UnitOfWork, ev: BookingDisputed) -> None:
    b = await u.session.get(Booking, ev.booking_id)
    if b is None:
        return
    if b.cancel_reason:
        await u.admin_money.add_statement(b.id, ev.by, b.cancel_reason)
    other = b.learner_id if ev.by == b.mentor_id else b.mentor_id
    await u.notify(
        other,
        [
            Reply(
                f"An admin will decide about session #{b.id}. Tell them what happened from "
                "your side: they read both before deciding.",
                buttons=((side_button(b.id),),),
            )
        ],
    )
