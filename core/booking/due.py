"""What happens to bookings as time passes: expiries, completions, no-shows, reminders.

Run by the scheduler; safe in several processes at once (conditional updates, a sent-log)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core.booking.base import BookingBase
from core.booking.joins import records_of
from core.booking.noshow import Outcome, Verdict, decide
from core.booking.tables import Booking, BookingNotice
from core.events import (
    BookingCancelled,
    BookingExpired,
    NoShowDecided,
    ReminderDue,
)


class TimeDriven(BookingBase):
    async def expire_due(self) -> int:
        due = list(
            await self.s.scalars(
                select(Booking.id).where(
                    Booking.status.in_(["requested", "accepted"]), Booking.respond_by <= self.now
                )
            )
        )
        n = 0
        for bid in due:
            if await self._move(bid, ["requested", "accepted"], "expired", decided_at=self.now):
                await self._refund(bid)
                self.events.append(BookingExpired(bid))
                n += 1
        return n

    async def complete_due(self) -> int:
        grace = timedelta(minutes=self.p.completion_grace_min)
        due = list(
            await self.s.scalars(
                select(Booking).where(
                    Booking.status == "confirmed", Booking.ends_at <= self.now - grace
                )
            )
        )
        n = 0
        for b in due:
            n += await self._complete(b)
        return n

    async def no_shows_due(self) -> list[tuple[int, Outcome]]:
        """Decide no-shows from room join records once the deadline after the start passed.

        Each booking is decided once (sent-log `noshow`). A mentor who never joined cancels
        the session as the mentor would (full refund, a strike on their reliability); an
        absent learner changes nothing here: the session completes and the mentor is paid.
        """
        deadline = self.now - timedelta(minutes=self.p.no_show_after_min)
        due = list(
            await self.s.scalars(
                select(Booking).where(
                    Booking.status == "confirmed",
                    Booking.starts_at <= deadline,
                    Booking.ends_at > self.now - timedelta(days=1),
                )
            )
        )
        decided: list[tuple[int, Outcome]] = []
        for b in due:
            outcome = decide(
                await records_of(self.s, b.id),
                b,
                self.now,
                absent_after_min=self.p.no_show_after_min,
            )
            if outcome.verdict in (Verdict.PENDING, Verdict.HELD, Verdict.NO_RECORDS):
                continue
            if not await self.mark_sent(b.id, "noshow"):
                continue
            if outcome.verdict is Verdict.MENTOR_ABSENT:
                if not await self._move(
                    b.id,
                    ["confirmed"],
                    "cancelled",
                    cancelled_by=b.mentor_id,
                    cancel_reason="no-show: the mentor didn't join the call",
                    decided_at=self.now,
                ):
                    continue
                await self._refund(b.id)
                self.events.append(BookingCancelled(b.id, by="mentor", no_show=True))
            self.events.append(NoShowDecided(b.id, outcome.verdict.value))
            decided.append((b.id, outcome))
        return decided

    async def reminders_due(self) -> int:
        """Queue each reminder once: the sent-log's unique key decides, not this process."""
        longest = max(self.p.reminder_offsets_min)
        upcoming = list(
            await self.s.scalars(
                select(Booking).where(
                    Booking.status == "confirmed",
                    Booking.starts_at > self.now,
                    Booking.starts_at <= self.now + timedelta(minutes=longest),
                )
            )
        )
        offsets = sorted(self.p.reminder_offsets_min)
        n = 0
        for b in upcoming:
            left = (b.starts_at - self.now).total_seconds() / 60
            # Only the nearest reminder that's due: booked 10 min ahead means one message.
            due = [m for m in offsets if left <= m]
            if not due:
                continue
            # The start time is part of the key, so a rescheduled session is reminded again.
            kind = f"reminder:{due[0]}:{int(b.starts_at.timestamp())}"
            if await self.mark_sent(b.id, kind):
                self.events.append(ReminderDue(b.id, due[0]))
                n += 1
        return n

    async def mark_sent(self, booking_id: int, kind: str) -> bool:
        exists = await self.s.scalar(
            select(BookingNotice.id).where(
                BookingNotice.booking_id == booking_id, BookingNotice.kind == kind
            )
        )
        if exists:
            return False
        try:
            async with self.s.begin_nested():
                self.s.add(BookingNotice(booking_id=booking_id, kind=kind, sent_at=self.now))
                await self.s.flush()
        except IntegrityError:
            return False
        return True
