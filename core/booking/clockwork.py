"""What happens as time passes: expiries, reminders, completions, rating reveals.

Run by the scheduler every few seconds; safe to run in several processes at once because each
change is a conditional update and each reminder has a unique sent-log entry.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from core.booking.service import Bookings
from core.events import Event
from core.services.money import Money

if TYPE_CHECKING:
    from core.app import CoreApp


@dataclass(frozen=True)
class TickReport:
    expired: int
    reminded: int
    completed: int
    revealed: int


async def tick(app: CoreApp) -> TickReport:
    now = app.clock.now()
    outbox: list[int] = []
    async with app.db.transaction() as s:
        events: list[Event] = []
        money = Money(s, now, app.policies, events, app.payments_gateway)
        svc = Bookings(s, now, app.policies, events, money)
        expired = await svc.expire_due()
        await svc.no_shows_due()
        completed = await svc.complete_due()
        # After completion, so a session that just ended isn't reminded about.
        reminded = await svc.reminders_due()
        revealed = await svc.reveal_due()
        outbox += await app.handle_events(s, events, now)
    if outbox:
        await app.delivery.flush(outbox)
    return TickReport(expired, reminded, completed, revealed)
