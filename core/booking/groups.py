"""Group sessions (issue 19 part 6): a mentor offers one start to up to N learners.

Every seat is an ordinary booking with `group_id` set, so a seat is paid through the
same checkout, refunded by the same rules (a learner's cancellation follows the 1:1 refund
policy), reminded, completed (the mentor is paid per seat at the platform fee split) and
decided no-show per seat from the call room's join records, exactly as a 1:1 session.

No overselling: a seat is taken by `UPDATE group_sessions SET seats_taken = seats_taken + 1
WHERE seats_taken < seats`, inside the same savepoint as the seat's booking, and a CHECK
constraint refuses a count above the seats. PostgreSQL re-checks the condition after a
concurrent update commits; SQLite has one writer at a time. A seat that stops being active
(cancelled, expired unpaid) gives its place back in `BookingBase._move`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from core.booking.base import BookingBase, BookingError
from core.booking.lifecycle import PAY_WITHIN
from core.booking.tables import ACTIVE, Booking
from core.db.groups import GroupSession
from core.db.schema import MentorProfile
from core.events import BookingCancelled, BookingConfirmed
from core.ledger.ledger import InsufficientFunds


class GroupFull(BookingError):
    def __init__(self) -> None:
        super().__init__("Sorry — every seat of that group session is taken.")


class Groups(BookingBase):
    async def offer_group(
        self,
        mentor_id: int,
        starts_at: datetime,
        length_min: int,
        seats: int,
        *,
        price_mode: str,
        amount_minor: int = 0,
        topic: str = "",
    ) -> GroupSession:
        """Open a group session; the mentor's time must be free (no 1:1 or other group)."""
        mp = await self.s.get(MentorProfile, mentor_id)
        if mp is None or mp.status != "approved":
            raise BookingError("Group sessions are for approved mentors. Apply with /mentor.")
        if not 2 <= seats <= self.p.group_max_seats:
            raise BookingError(f"A group session has 2 to {self.p.group_max_seats} seats.")
        if not 10 <= length_min <= 180:
            raise BookingError("A group session lasts 10 to 180 minutes.")
        if price_mode not in ("paid", "free", "credits"):
            raise BookingError("Pick a price: paid per seat, free, or one credit per seat.")
        if price_mode == "paid" and amount_minor <= 0:
            raise BookingError("A paid seat needs a price above zero.")
        if starts_at < self.now + timedelta(minutes=self.p.min_notice_min):
            raise BookingError(
                f"A group session starts at least {self.p.min_notice_min} minutes from now."
            )
        if starts_at > self.now + timedelta(days=self.p.booking_horizon_days):
            raise BookingError(f"A group session starts within {self.p.booking_horizon_days} days.")
        ends_at = starts_at + timedelta(minutes=length_min)
        await self._lock(mentor_id)
        pad = timedelta(minutes=self.p.buffer_min)
        clash = await self.s.scalar(
            select(Booking.id).where(
                Booking.status.in_(ACTIVE),
                (Booking.mentor_id == mentor_id) | (Booking.learner_id == mentor_id),
                Booking.starts_at < ends_at + pad,
                Booking.ends_at > starts_at - pad,
            )
        ) or await self._group_clash(mentor_id, starts_at, ends_at)
        if clash:
            raise BookingError("You already have a session around that time.")
        g = GroupSession(
            mentor_id=mentor_id,
            starts_at=starts_at,
            ends_at=ends_at,
            length_min=length_min,
            topic=topic[:300],
            seats=seats,
            seats_taken=0,
            price_mode=price_mode,
            amount_minor=amount_minor
            if price_mode == "paid"
            else (1 if price_mode == "credits" else 0),
            currency="CREDIT" if price_mode == "credits" else mp.currency,
            status="open",
            created_at=self.now,
        )
        self.s.add(g)
        await self.s.flush()
        return g

    async def _group_clash(self, mentor_id: int, starts_at: datetime, ends_at: datetime) -> bool:
        pad = timedelta(minutes=self.p.buffer_min)
        rows = await self.s.scalars(
            select(GroupSession).where(
                GroupSession.mentor_id == mentor_id,
                GroupSession.status == "open",
                GroupSession.ends_at > self.now,
            )
        )
        return any(g.starts_at < ends_at + pad and starts_at < g.ends_at + pad for g in rows)

    async def group(self, group_id: int) -> GroupSession | None:
        return await self.s.get(GroupSession, group_id, populate_existing=True)

    async def open_groups(
        self, mentor_id: int | None = None, limit: int = 10
    ) -> list[GroupSession]:
        """Upcoming open group sessions (of one mentor), soonest first."""
        q = select(GroupSession).where(
            GroupSession.status == "open", GroupSession.starts_at > self.now
        )
        if mentor_id is not None:
            q = q.where(GroupSession.mentor_id == mentor_id)
        return list(await self.s.scalars(q.order_by(GroupSession.starts_at).limit(limit)))

    async def seats_of(self, group_id: int, *, active: bool = True) -> list[Booking]:
        q = select(Booking).where(Booking.group_id == group_id)
        if active:
            q = q.where(Booking.status.in_(ACTIVE))
        return list(await self.s.scalars(q.order_by(Booking.id)))

    async def group_of(self, booking_id: int) -> GroupSession | None:
        return await self.s.scalar(
            select(GroupSession)
            .join(Booking, Booking.group_id == GroupSession.id)
            .where(Booking.id == booking_id)
        )

    async def book_seat(self, group_id: int, learner_id: int) -> Booking:
        """Take one seat: a paid seat waits for its payment (held PAY_WITHIN minutes), a free
        or credit seat is confirmed at once. Raises GroupFull or BookingError."""
        g = await self.group(group_id)
        if g is None or g.status != "open":
            raise BookingError("That group session isn't open any more.")
        if g.mentor_id == learner_id:
            raise BookingError("That's your own group session.")
        if g.starts_at <= self.now:
            raise BookingError("That group session has already started.")
        mine = await self.s.scalar(
            select(Booking.id).where(
                Booking.group_id == group_id,
                Booking.learner_id == learner_id,
                Booking.status.in_(ACTIVE),
            )
        )
        if mine:
            raise BookingError(f"You already have a seat (session #{mine}).")
        pay_state = "pending" if g.price_mode == "paid" and g.amount_minor else "none"
        b = Booking(
            mentor_id=g.mentor_id,
            learner_id=learner_id,
            starts_at=g.starts_at,
            ends_at=g.ends_at,
            length_min=g.length_min,
            topic=(g.topic or "Group session")[:500],
            status="accepted" if pay_state == "pending" else "confirmed",
            price_mode=g.price_mode,
            amount_minor=g.amount_minor,
            currency=g.currency,
            pay_state=pay_state,
            respond_by=self._seat_pay_by(g.starts_at) if pay_state == "pending" else self.now,
            created_at=self.now,
            decided_at=self.now,
            group_id=group_id,
        )
        try:
            async with self.s.begin_nested():
                taken = await self.s.execute(
                    update(GroupSession)
                    .where(
                        GroupSession.id == group_id,
                        GroupSession.status == "open",
                        GroupSession.seats_taken < GroupSession.seats,
                    )
                    .values(seats_taken=GroupSession.seats_taken + 1)
                    .execution_options(synchronize_session=False)
                )
                if taken.rowcount != 1:  # type: ignore[attr-defined]
                    raise GroupFull()
                self.s.add(b)
                await self.s.flush()
                await self._claim(b, mentor=False)
                if g.price_mode == "credits" and self.money is not None:
                    await self.money.hold_credits(b.id, learner_id, g.amount_minor)
        except InsufficientFunds:
            raise BookingError(
                "You don't have enough credits for this seat. Balance: /wallet"
            ) from None
        except IntegrityError:
            raise BookingError("You already have a session at that time.") from None
        if b.status == "confirmed":
            self.events.append(BookingConfirmed(b.id))
        return b

    def _seat_pay_by(self, starts_at: datetime) -> datetime:
        return max(min(self.now + PAY_WITHIN, starts_at), self.now + timedelta(minutes=10))

    async def cancel_group(self, group_id: int, mentor_id: int, reason: str = "") -> int:
        """The mentor calls it off: every active seat is cancelled by the mentor and refunded
        in full. Returns how many seats were refunded."""
        g = await self.group(group_id)
        if g is None or g.mentor_id != mentor_id:
            raise BookingError("That group session isn't yours.")
        res = await self.s.execute(
            update(GroupSession)
            .where(GroupSession.id == group_id, GroupSession.status == "open")
            .values(status="cancelled", cancelled_at=self.now)
            .execution_options(synchronize_session=False)
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
            raise BookingError("That group session is already cancelled.")
        n = 0
        for b in await self.seats_of(group_id):
            if await self._move(
                b.id,
                ACTIVE,
                "cancelled",
                cancelled_by=mentor_id,
                cancel_reason=(reason or "the mentor cancelled the group session")[:300],
                decided_at=self.now,
            ):
                await self._refund(b.id)
                self.events.append(BookingCancelled(b.id, by="mentor"))
                n += 1
        return n
