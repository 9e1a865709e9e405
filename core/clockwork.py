"""What happens as time passes: expiries, reminders, completions, rating reveals.

Run by the scheduler every few seconds; safe to run in several processes at once because each
change is a conditional update and each reminder has a unique sent-log entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from core.uow import Deps, unit_of_work


@dataclass(frozen=True)
class TickReport:
    expired: int
    reminded: int
    completed: int
    revealed: int
    dms_purged: int = 0  # direct messages past their retention (issue #16)


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
    return TickReport(expired, reminded, completed, revealed, purged)
