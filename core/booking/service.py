"""Booking rules: slots, requests, decisions, cancellations, completion and ratings.

Every state change is a conditional UPDATE on the expected status, so two processes (or a button
pressed twice) can't both move the same booking.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.availability import Window
from core.booking.joins import records_of
from core.booking.noshow import Outcome, Verdict, decide
from core.booking.tables import ACTIVE, Booking, BookingCell, BookingNotice, SessionRating
from core.db.schema import AvailabilityWindow, MentorProfile, Review, User
from core.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingDisputed,
    BookingExpired,
    BookingRequested,
    Event,
    NoShowDecided,
    RatingsRevealed,
    ReminderDue,
    SessionCompleted,
)
from core.ledger.ledger import InsufficientFunds
from core.policies import Policies
from core.services.money import Money
from core.slots import Busy, cells, expand_slots, free_slots


class BookingError(Exception):
    """A request that can't go ahead; the message is for the user."""


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


class Bookings:
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

    # ---- reading -------------------------------------------------------------------------
    async def offering(self, mentor_id: int) -> Offering | None:
        row = (
            await self.s.execute(
                select(MentorProfile, User)
                .join(User, User.id == MentorProfile.user_id)
                .where(MentorProfile.user_id == mentor_id, MentorProfile.status == "approved")
            )
        ).first()
        if row is None:
            return None
        mp, user = row
        windows = await self.s.scalars(
            select(AvailabilityWindow).where(AvailabilityWindow.user_id == mentor_id)
        )
        amount = (
            mp.price_minor if mp.price_mode == "paid" else (1 if mp.price_mode == "credits" else 0)
        )
        return Offering(
            mentor_id=mentor_id,
            name=user.display_name,
            timezone=user.timezone or "UTC",
            lengths=tuple(sorted(mp.session_lengths or [self.p.default_session_minutes])),
            price_mode=mp.price_mode,
            amount_minor=amount,
            currency="CREDIT" if mp.price_mode == "credits" else mp.currency,
            windows=tuple(Window(w.weekday, w.start_min, w.end_min) for w in windows),
        )

    async def _busy(self, user_ids: Sequence[int], exclude: int | None) -> list[Busy]:
        q = select(Booking.starts_at, Booking.ends_at).where(
            Booking.status.in_(ACTIVE),
            or_(Booking.mentor_id.in_(user_ids), Booking.learner_id.in_(user_ids)),
            Booking.ends_at > self.now,
        )
        if exclude is not None:
            q = q.where(Booking.id != exclude)
        return [Busy(a, b) for a, b in await self.s.execute(q)]

    async def free_slots(
        self,
        offer: Offering,
        learner_id: int,
        length_min: int,
        *,
        after: datetime | None = None,
        moving: int | None = None,
    ) -> list[datetime]:
        start = max(self.now, after or self.now)
        candidates = expand_slots(
            offer.windows,
            offer.timezone,
            start,
            self.now + timedelta(days=self.p.booking_horizon_days),
            length_min=length_min,
            step_min=self.p.slot_step_min,
        )
        return free_slots(
            candidates,
            length_min=length_min,
            busy=await self._busy((offer.mentor_id, learner_id), moving),
            buffer_min=self.p.buffer_min,
            not_before=self.now + timedelta(minutes=self.p.min_notice_min),
        )

    async def get(self, booking_id: int) -> Booking | None:
        return await self.s.get(Booking, booking_id)

    async def of_user(self, user_id: int, *, upcoming: bool, limit: int = 10) -> list[Booking]:
        q = select(Booking).where(or_(Booking.mentor_id == user_id, Booking.learner_id == user_id))
        if upcoming:
            q = q.where(Booking.status.in_(ACTIVE)).order_by(Booking.starts_at)
        else:
            q = q.where(Booking.status.not_in(ACTIVE)).order_by(Booking.starts_at.desc())
        return list(await self.s.scalars(q.limit(limit)))

    # ---- requesting ----------------------------------------------------------------------
    async def request(
        self, learner_id: int, offer: Offering, starts_at: datetime, length_min: int, topic: str
    ) -> Booking:
        if learner_id == offer.mentor_id:
            raise BookingError("You can't book a session with yourself.")
        if length_min not in offer.lengths:
            raise BookingError(f"{offer.name} doesn't offer {length_min}-minute sessions.")
        await self._lock(learner_id, offer.mentor_id)
        candidates = await self.free_slots(offer, learner_id, length_min)
        if starts_at not in candidates:
            raise SlotTaken(tuple(s for s in candidates if s > starts_at)[:3])
        ends_at = starts_at + timedelta(minutes=length_min)
        respond_by = min(
            self.now + timedelta(hours=self.p.respond_within_h),
            starts_at - timedelta(hours=self.p.respond_before_start_h),
        )
        booking = Booking(
            mentor_id=offer.mentor_id,
            learner_id=learner_id,
            starts_at=starts_at,
            ends_at=ends_at,
            length_min=length_min,
            topic=topic[:500],
            status="requested",
            price_mode=offer.price_mode,
            amount_minor=offer.amount_minor,
            currency=offer.currency,
            pay_state="pending" if offer.price_mode == "paid" and offer.amount_minor else "none",
            respond_by=max(respond_by, self.now + timedelta(minutes=10)),
            created_at=self.now,
        )
        try:
            async with self.s.begin_nested():
                self.s.add(booking)
                await self.s.flush()
                await self._claim(booking)
                if offer.price_mode == "credits" and self.money is not None:
                    await self.money.hold_credits(booking.id, learner_id, offer.amount_minor)
        except InsufficientFunds:
            raise BookingError(
                "You don't have enough credits for this session. Mentor someone to earn "
                "credits, or pick a mentor who takes payment or is free. Balance: /wallet"
            ) from None
        except IntegrityError:
            later = await self.free_slots(offer, learner_id, length_min)
            raise SlotTaken(tuple(s for s in later if s >= starts_at)[:3]) from None
        self.events.append(BookingRequested(booking.id))
        return booking

    async def reschedule(
        self, booking_id: int, learner_id: int, offer: Offering, starts_at: datetime
    ) -> Booking:
        """Move a booking to a new time; the mentor accepts the new time again."""
        b = await self._mine(booking_id, learner_id, as_mentor=False)
        if b.status not in ACTIVE:
            raise BookingError(f"This session is already {b.status}.")
        if self.now > b.starts_at - timedelta(hours=self.p.learner_full_refund_h):
            raise BookingError(
                f"Less than {self.p.learner_full_refund_h} h before the start a session can't be "
                "moved; you can still cancel it under the policy (/sessions)."
            )
        await self._lock(b.learner_id, b.mentor_id)
        candidates = await self.free_slots(offer, b.learner_id, b.length_min, moving=b.id)
        if starts_at not in candidates:
            raise SlotTaken(tuple(t for t in candidates if t > starts_at)[:3])
        respond_by = min(
            self.now + timedelta(hours=self.p.respond_within_h),
            starts_at - timedelta(hours=self.p.respond_before_start_h),
        )
        try:
            async with self.s.begin_nested():
                await self._release(b.id)
                b.starts_at = starts_at
                b.ends_at = starts_at + timedelta(minutes=b.length_min)
                b.status = "requested"
                b.respond_by = max(respond_by, self.now + timedelta(minutes=10))
                b.decided_at = None
                await self.s.flush()
                await self._claim(b)
        except IntegrityError:
            await self.s.refresh(b)
            raise SlotTaken(()) from None
        self.events.append(BookingRequested(b.id, rescheduled=True))
        return b

    async def _lock(self, *user_ids: int) -> None:
        # Queue requests touching the same people (PostgreSQL row locks, in id order so two
        # requests can't deadlock); the unique cells are what actually forbid overlap.
        await self.s.execute(
            select(User.id)
            .where(User.id.in_(sorted(set(user_ids))))
            .order_by(User.id)
            .with_for_update()
        )

    async def _claim(self, b: Booking) -> None:
        pad = timedelta(minutes=self.p.buffer_min)
        rows = [
            {"user_id": b.mentor_id, "cell": c, "booking_id": b.id}
            for c in cells(b.starts_at, b.ends_at + pad)
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
        return moved

    # ---- decisions -----------------------------------------------------------------------
    async def accept(self, booking_id: int, mentor_id: int) -> Booking:
        b = await self._mine(booking_id, mentor_id, as_mentor=True)
        if b.status != "requested":
            raise BookingError(f"This request is already {b.status}.")
        target = "accepted" if b.pay_state == "pending" else "confirmed"
        if not await self._move(booking_id, ["requested"], target, decided_at=self.now):
            raise BookingError("This request changed just now — look at /sessions.")
        if target == "confirmed":
            self.events.append(BookingConfirmed(booking_id))
        return b

    async def decline(self, booking_id: int, mentor_id: int, reason: str = "") -> Booking:
        b = await self._mine(booking_id, mentor_id, as_mentor=True)
        if not await self._move(
            booking_id, ["requested"], "declined", decided_at=self.now, cancel_reason=reason[:300]
        ):
            raise BookingError(f"This request is already {b.status}.")
        await self._refund(booking_id)
        self.events.append(BookingCancelled(booking_id, by="mentor", declined=True))
        return b

    async def payment_captured(self, booking_id: int) -> bool:
        """Record a capture; False when the booking is no longer waiting (caller refunds)."""
        b = await self.s.get(Booking, booking_id)
        if b is None or b.status not in ACTIVE:
            return False
        await self.s.execute(
            update(Booking)
            .where(Booking.id == booking_id, Booking.pay_state == "pending")
            .values(pay_state="paid")
            .execution_options(synchronize_session=False)
        )
        if await self._move(booking_id, ["accepted"], "confirmed"):
            self.events.append(BookingConfirmed(booking_id))
        await self.s.refresh(b)
        return True

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

    # ---- cancelling ----------------------------------------------------------------------
    async def cancel_quote(self, booking_id: int, user_id: int) -> CancelQuote:
        b = await self._mine(booking_id, user_id, as_mentor=None)
        if b.status not in ACTIVE:
            raise BookingError(f"This session is already {b.status}.")
        by_mentor = user_id == b.mentor_id
        paid = b.amount_minor if b.pay_state == "paid" or b.price_mode == "credits" else 0
        unit = "credit" if b.currency == "CREDIT" else "₹"
        if by_mentor:
            return CancelQuote(
                b.id,
                True,
                paid,
                b.currency,
                False,
                "The learner gets a full refund, and a cancellation counts against your "
                "reliability.",
            )
        cutoff = b.starts_at - timedelta(hours=self.p.learner_full_refund_h)
        if b.status != "confirmed" or self.now <= cutoff:
            text = "You get a full refund." if paid else "Nothing has been paid yet."
            return CancelQuote(b.id, False, paid, b.currency, False, text)
        amount = f"{paid // 100}" if unit == "₹" else str(paid)
        return CancelQuote(
            b.id,
            False,
            0,
            b.currency,
            True,
            f"It's less than {self.p.learner_full_refund_h} h before the start, so the mentor "
            f"is paid ({unit}{amount}) and there's no refund.",
        )

    async def cancel(self, booking_id: int, user_id: int, reason: str = "") -> CancelQuote:
        quote = await self.cancel_quote(booking_id, user_id)
        if not await self._move(
            booking_id,
            ACTIVE,
            "cancelled",
            cancelled_by=user_id,
            cancel_reason=reason[:300],
            decided_at=self.now,
        ):
            raise BookingError("This session changed just now — look at /sessions.")
        b = await self.s.get(Booking, booking_id)
        if b is not None and quote.mentor_paid:
            await self._pay_mentor(b)
        else:
            await self._refund(booking_id)
        self.events.append(
            BookingCancelled(
                booking_id,
                by="mentor" if quote.by_mentor else "learner",
                mentor_paid=quote.mentor_paid,
            )
        )
        return quote

    # ---- time passing --------------------------------------------------------------------
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

    async def _complete(self, b: Booking) -> int:
        if not await self._move(b.id, ["confirmed"], "completed", completed_at=self.now):
            return 0
        await self._pay_mentor(b)
        await self.s.execute(
            update(MentorProfile)
            .where(MentorProfile.user_id == b.mentor_id)
            .values(sessions_completed=MentorProfile.sessions_completed + 1)
        )
        self.events.append(SessionCompleted(b.id))
        return 1

    async def complete_after_call(self, booking_id: int) -> bool:
        """Both people were in the call and it has been hung up after the start: complete it
        now, so both are asked to rate while it's fresh."""
        b = await self.s.get(Booking, booking_id)
        if b is None or b.status != "confirmed" or self.now < b.starts_at:
            return False
        outcome = decide(
            await records_of(self.s, b.id), b, self.now, absent_after_min=self.p.no_show_after_min
        )
        if outcome.verdict is not Verdict.HELD:
            return False
        return bool(await self._complete(b))

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

    async def report_problem(self, booking_id: int, user_id: int, text: str) -> Booking:
        b = await self._mine(booking_id, user_id, as_mentor=None)
        if not await self._move(booking_id, ["confirmed"], "disputed", cancel_reason=text[:300]):
            raise BookingError(f"This session is {b.status}; it can't be reported now.")
        self.events.append(BookingDisputed(booking_id, user_id))
        return b

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

    # ---- ratings -------------------------------------------------------------------------
    async def rate(self, booking_id: int, rater_id: int, stars: int, text: str) -> SessionRating:
        b = await self._mine(booking_id, rater_id, as_mentor=None)
        if b.status != "completed":
            raise BookingError("You can rate a session once it has taken place.")
        if not 1 <= stars <= 5:
            raise BookingError("Ratings go from 1 to 5 stars.")
        ratee = b.learner_id if rater_id == b.mentor_id else b.mentor_id
        rating = SessionRating(
            booking_id=b.id,
            rater_id=rater_id,
            ratee_id=ratee,
            role="learner" if ratee == b.learner_id else "mentor",
            stars=stars,
            text=text[:1000],
            created_at=self.now,
        )
        try:
            async with self.s.begin_nested():
                self.s.add(rating)
                await self.s.flush()
        except IntegrityError:
            raise BookingError("You've already rated this session.") from None
        count = await self.s.scalar(
            select(func.count()).select_from(SessionRating).where(SessionRating.booking_id == b.id)
        )
        if count == 2:
            await self._reveal(b.id)
        return rating

    async def _reveal(self, booking_id: int) -> None:
        ratings = list(
            await self.s.scalars(
                select(SessionRating).where(
                    SessionRating.booking_id == booking_id, SessionRating.visible_at.is_(None)
                )
            )
        )
        if not ratings:
            return
        for r in ratings:
            r.visible_at = self.now
            if r.role == "mentor":
                # The mentor's public reputation: rating totals plus a review on the profile.
                await self.s.execute(
                    update(MentorProfile)
                    .where(MentorProfile.user_id == r.ratee_id)
                    .values(
                        rating_sum=MentorProfile.rating_sum + r.stars,
                        rating_count=MentorProfile.rating_count + 1,
                    )
                )
                self.s.add(
                    Review(
                        mentor_id=r.ratee_id,
                        author_id=r.rater_id,
                        stars=r.stars,
                        text=r.text,
                        created_at=r.created_at,
                    )
                )
        await self.s.flush()
        self.events.append(RatingsRevealed(booking_id))

    async def reveal_due(self) -> int:
        cutoff = self.now - timedelta(days=self.p.rating_reveal_days)
        ids = set(
            await self.s.scalars(
                select(SessionRating.booking_id).where(
                    SessionRating.visible_at.is_(None), SessionRating.created_at <= cutoff
                )
            )
        )
        for bid in ids:
            await self._reveal(bid)
        return len(ids)

    async def ratings_of(self, booking_id: int) -> list[SessionRating]:
        return list(
            await self.s.scalars(
                select(SessionRating).where(SessionRating.booking_id == booking_id)
            )
        )
