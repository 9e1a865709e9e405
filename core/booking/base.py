"""What every part of the booking rules shares: the session, clock, policies and event list,
and the conditional moves. Every state change is a conditional UPDATE on the expected status,
so two processes (or a button pressed twice) can't both move the same booking."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.availability import Window
from core.booking.tables import ACTIVE, Booking, BookingCell
from core.db.groups import GroupSession
from core.db.schema import MentorProfile, User
from core.events import (
    Event,
    SessionCompleted,
)
from core.policies import Policies
from core.services.money import Money
from core.slots import cells


class BookingError(Exception):
    """A request that can't go ahead; the message is for the user."""


# Policy paid_booking_needs_verified_email (issue 18).
PAID_NEEDS_VERIFIED = (
    "Paid sessions here need a verified college or company email first. Send "
    "`/verify you@college.edu`, then book again."
)


class SlotTaken(BookingError):
    def __init__(self, next_free: tuple[datetime, ...]) -> None:
        super().__init__("That slot was just taken.")
        self.next_free = next_free


@dataclass(frozen=True)
class Offering:
    mentor_id: int
    name: str
    timezone: str
    lengths: tuple[int, ...]
    price_mode: str
    amount_minor: int
    currency: str
    windows: tuple[Window, ...]


@dataclass(frozen=True)
class CancelQuote:
    booking_id: int
    by_mentor: bool
    refund_minor: int
    currency: str
    mentor_paid: bool
    explanation: str


class BookingBase:
    def __init__(
        self,
        session: AsyncSession,
        now: datetime,
        policies: Policies,
        events: list[Event],
        money: Money | None = None,
    ) -> None:
        self.s = session
        self.now = now
        self.p = policies
        self.events = events
        # Escrow, refunds and payouts; None where only time and slots matter (previews).
        self.money = money

    async def get(self, booking_id: int) -> Booking | None:
        return await self.s.get(Booking, booking_id)

    async def of_user(self, user_id: int, *, upcoming: bool, limit: int = 10) -> list[Booking]:
        q = select(Booking).where(or_(Booking.mentor_id == user_id, Booking.learner_id == user_id))
        if upcoming:
            q = q.where(Booking.status.in_(ACTIVE)).order_by(Booking.starts_at)
        else:
            q = q.where(Booking.status.not_in(ACTIVE)).order_by(Booking.starts_at.desc())
        return list(await self.s.scalars(q.limit(limit)))

    async def _lock(self, *user_ids: int) -> None:
        # Queue requests touching the same people (PostgreSQL row locks, in id order so two
        # requests can't deadlock); the unique cells are what actually forbid overlap.
        await self.s.execute(
            select(User.id)
            .where(User.id.in_(sorted(set(user_ids))))
            .order_by(User.id)
            .with_for_update()
        )

    async def _claim(self, b: Booking, *, mentor: bool = True) -> None:
        # A group seat claims only the learner's time: the mentor's is the group's.
        pad = timedelta(minutes=self.p.buffer_min)
        rows = [
            {"user_id": b.mentor_id, "cell": c, "booking_id": b.id}
            for c in cells(b.starts_at, b.ends_at + pad)
            if mentor
        ] + [
            {"user_id": b.learner_id, "cell": c, "booking_id": b.id}
            for c in cells(b.starts_at, b.ends_at)
        ]
        await self.s.execute(insert(BookingCell), rows)

    async def _refund(self, booking_id: int) -> None:
        if self.money is not None:
            await self.money.refund_booking(booking_id)

    async def _pay_mentor(self, b: Booking) -> None:
        if self.money is not None:
            await self.money.release_to_mentor(b.id, b.mentor_id)

    async def _release(self, booking_id: int) -> None:
        await self.s.execute(delete(BookingCell).where(BookingCell.booking_id == booking_id))

    async def _move(self, booking_id: int, frm: Sequence[str], to: str, **values: object) -> bool:
        res = await self.s.execute(
            update(Booking)
            .where(Booking.id == booking_id, Booking.status.in_(list(frm)))
            .values(status=to, **values)
            .execution_options(synchronize_session=False)
        )
        moved = bool(res.rowcount)  # type: ignore[attr-defined]
        if moved:
            b = await self.s.get(Booking, booking_id)
            if b is not None:
                await self.s.refresh(b)
            if to not in ACTIVE:
                await self._release(booking_id)
            if to in ("cancelled", "expired", "declined"):
                await self._give_seat_back(booking_id)
        return moved

    async def _seat_group(self, booking_id: int) -> int | None:
        """The group session a booking is a seat of, if it is one."""
        return await self.s.scalar(select(Booking.group_id).where(Booking.id == booking_id))

    async def _give_seat_back(self, booking_id: int) -> None:
        # Called once per seat (the move above is conditional), so the count stays exact.
        group_id = await self._seat_group(booking_id)
        if group_id is not None:
            await self.s.execute(
                update(GroupSession)
                .where(GroupSession.id == group_id, GroupSession.seats_taken > 0)
                .values(seats_taken=GroupSession.seats_taken - 1)
                .execution_options(synchronize_session=False)
            )

    async def _mine(self, booking_id: int, user_id: int, *, as_mentor: bool | None) -> Booking:
        b = await self.s.get(Booking, booking_id)
        if b is None:
            raise BookingError("I can't find that booking.")
        allowed = (
            {b.mentor_id}
            if as_mentor
            else {b.learner_id}
            if as_mentor is False
            else {b.mentor_id, b.learner_id}
        )
        if user_id not in allowed:
            raise BookingError("That booking isn't yours.")
        return b

    async def _complete(self, b: Booking) -> int:
        if not await self._move(b.id, ["confirmed"], "completed", completed_at=self.now):
            return 0
        await self._pay_mentor(b)
        group_id = await self._seat_group(b.id)
        # A group session counts once for the mentor, when its first seat completes.
        if group_id is None or not await self.s.scalar(
            select(Booking.id).where(
                Booking.group_id == group_id,
                Booking.id != b.id,
                Booking.status == "completed",
            )
        ):
            await self._count_taught(b.mentor_id)
        self.events.append(SessionCompleted(b.id))
        return 1

    async def _count_taught(self, mentor_id: int) -> None:
        await self.s.execute(
            update(MentorProfile)
            .where(MentorProfile.user_id == mentor_id)
            .values(sessions_completed=MentorProfile.sessions_completed + 1)
        )
