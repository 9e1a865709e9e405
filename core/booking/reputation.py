"""A mentor's reliability, from their bookings: what they completed, dropped and how fast they
answer. Shown on profiles and available to ranking."""

from __future__ import annotations

from dataclasses import dataclass
from statistics import median

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.tables import Booking


@dataclass(frozen=True)
class Reputation:
    completed: int
    dropped: int  # cancelled by the mentor, or left to expire
    median_answer_min: float | None

    @property
    def has_history(self) -> bool:
        return bool(self.completed or self.dropped or self.median_answer_min is not None)

    @property
    def completion_rate(self) -> float | None:
        total = self.completed + self.dropped
        return self.completed / total if total else None

    def line(self) -> str:
        parts = [f"{self.completed} session{'s' if self.completed != 1 else ''} completed"]
        rate = self.completion_rate
        if rate is not None:
            parts.append(f"{rate:.0%} of bookings kept")
        if self.median_answer_min is not None:
            m = self.median_answer_min
            parts.append(
                "usually answers within "
                + (f"{max(1, round(m))} min" if m < 90 else f"{round(m / 60)} h")
            )
        return " · ".join(parts)


async def reputation(s: AsyncSession, mentor_id: int) -> Reputation:
    rows = (
        await s.execute(
            select(
                Booking.status, Booking.cancelled_by, Booking.created_at, Booking.decided_at
            ).where(
                Booking.mentor_id == mentor_id,
                # Cancelled because one of the two blocked the other: no strike (issue 18).
                ~((Booking.status == "cancelled") & (Booking.cancel_reason == "blocked")),
            )
        )
    ).all()
    completed = sum(1 for st, *_ in rows if st == "completed")
    dropped = sum(
        1 for st, by, *_ in rows if st == "expired" or (st == "cancelled" and by == mentor_id)
    )
    # Time to accept or decline: the mentor's own answers only.
    waits = [
        (decided - created).total_seconds() / 60
        for st, by, created, decided in rows
        if decided is not None and by is None and st != "expired"
    ]
    return Reputation(completed, dropped, median(waits) if waits else None)
