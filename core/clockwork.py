"""What happens as time passes: expiries, reminders, completions, rating reveals.

Run by the scheduler every few seconds; safe to run in several processes at once because each
change is a conditional update and each reminder has a unique sent-log entry.
"""

from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass

from core.booking.service import BookingError
from core.uow import Deps, unit_of_work


@dataclass(frozen=True)
class TickReport:
    expired: int
    reminded: int
    completed: int
    revealed: int
    dms_purged: int = 0  # direct messages past their retention (issue #16)
    erased: int = 0


async def tick(deps: Deps) -> TickReport:
    async with unit_of_work(deps) as u:
        svc = u.bookings
        expired = await svc.expire_due()
        await svc.no_shows_due()
        completed = await svc.complete_due()
        # After completion, so a session that just ended isn't reminded about.
        reminded = await svc.reminders_due()
        revealed = await svc.reveal_due()
        purged = await u.dms.purge(deps.policies.dm_retention_days)
    erased = await erase_due(deps)
    return TickReport(expired, reminded, completed, revealed, purged, erased)


async def erase_due(deps: Deps) -> int:
    """`/privacy delete` requests whose grace period is over: their sessions still to come are
    cancelled under the usual policy (the other person is told), then the data is erased."""
    async with unit_of_work(deps) as u:
        due = await u.privacy.due_erasures()
        for user_id in due:
            for booking_id in await u.privacy.active_bookings(user_id):
                # One that moved on meanwhile (expired, completed) has nothing to cancel.
                with suppress(BookingError):
                    await u.bookings.cancel(booking_id, user_id, "account deleted")
    for user_id in due:
        async with unit_of_work(deps) as u:
            await u.privacy.erase(user_id)
    return len(due)
