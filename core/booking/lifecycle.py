"""What people do with a booking: find a slot, request, reschedule, accept or decline,
pay, cancel, report a problem, and hang up a call that was held."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError

from core.availability import Window
from core.booking.base import (
    PAID_NEEDS_VERIFIED,
    BookingBase,
    BookingError,
    CancelQuote,
    Offering,
    SlotTaken,
)
from core.booking.joins import records_of
from core.booking.noshow import Verdict, decide
from core.booking.tables import ACTIVE, Booking
from core.currency import money
from core.db.busy import BusyTime
from core.db.groups import GroupSession
from core.db.schema import AvailabilityWindow, MentorProfile, User
from core.db.swaps import Swap
from core.db.trust import MINOR, UserTrust
from core.db.verification import verified_of
from core.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingDisputed,
    BookingRequested,
)
from core.ledger.ledger import InsufficientFunds
from core.services.money import split_fee
from core.services.safety import blocked_between
from core.services.trust import PAID_ADULTS_ONLY
from core.slots import Busy, expand_slots, free_slots

# A paid request reaches the mentor only once the learner's payment has arrived (issue #22):
# until then there's nothing for them to act on, and a failed payment never bothers them.
UNPAID = "This request is still waiting for the learner's payment."
# How long an unpaid request holds the slot: long enough to pay (and for a lost webhook to
# be reconciled), short enough that an abandoned checkout doesn't block the mentor's time.
PAY_WITHIN = timedelta(minutes=30)
# Between two people where one blocked the other: no new requests either way, and what was
# booked before may be cancelled by either without a penalty (issue 18).
BLOCKED = "You can't book a session with this person."
BLOCKED_REASON = "blocked"


def keeps_share(paid: int, currency: str, fee_bps: int) -> str:
    """What a late cancellation or a learner's no-show pays, said the same way everywhere:
    the mentor's share and the platform fee of a paid session, or the credit."""
    if currency == "CREDIT":
        return "the mentor keeps the credit"
    share, fee = split_fee(paid, fee_bps)
    return f"the mentor keeps their share ({money(share, currency)}; platform fee {money(fee, currency)})"


class Lifecycle(BookingBase):
    def _respond_by(self, starts_at: datetime, *, unpaid: bool = False) -> datetime:
        """When the mentor must have answered a request they see now; for an unpaid one,
        when the learner must have paid (the mentor gets a fresh window once they have)."""
        respond_by = min(
            self.now + timedelta(hours=self.p.respond_within_h),
            starts_at - timedelta(hours=self.p.respond_before_start_h),
        )
        if unpaid:
            respond_by = min(respond_by, self.now + PAY_WITHIN)
        return max(respond_by, self.now + timedelta(minutes=10))

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
        busy = [Busy(a, b) for a, b in await self.s.execute(q)]
        # Busy times from a mentor's imported calendar (core/services/busy.py) are never offered.
        imported = select(BusyTime.starts_at, BusyTime.ends_at).where(
            BusyTime.user_id.in_(user_ids), BusyTime.ends_at > self.now
        )
        # A mentor's open group sessions hold their time too.
        groups = select(GroupSession.starts_at, GroupSession.ends_at).where(
            GroupSession.status == "open",
            GroupSession.mentor_id.in_(user_ids),
            GroupSession.ends_at > self.now,
        )
        busy += [Busy(a, b) for a, b in await self.s.execute(imported)]
        return busy + [Busy(a, b) for a, b in await self.s.execute(groups)]

    async def free_slots(
        self,
        offer: Offering,
        learner_id: int,
        length_min: int,
        *,
        after: datetime | None = None,
        moving: int | None = None,
        only: datetime | None = None,
    ) -> list[datetime]:
        """Free starts from `after` on; with `only`, just that start if it is one of them
        (expanding one span instead of every slot of the horizon: 18 % of a booking's CPU
        went into expanding ~700 slots to look one up, bench/booking.py)."""
        start = max(self.now, after or self.now)
        end = self.now + timedelta(days=self.p.booking_horizon_days)
        if only is not None:
            if only < start:
                return []
            start, end = only, min(end, only + timedelta(minutes=length_min))
        candidates = expand_slots(
            offer.windows,
            offer.timezone,
            start,
            end,
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

    async def request(
        self, learner_id: int, offer: Offering, starts_at: datetime, length_min: int, topic: str
    ) -> Booking:
        if learner_id == offer.mentor_id:
            raise BookingError("You can't book a session with yourself.")
        if length_min not in offer.lengths:
            raise BookingError(f"{offer.name} doesn't offer {length_min}-minute sessions.")
        if await blocked_between(self.s, learner_id, offer.mentor_id):
            raise BookingError(BLOCKED)
        paid = offer.price_mode == "paid" and offer.amount_minor > 0
        if paid:
            band = await self.s.scalar(
                select(UserTrust.age_band).where(UserTrust.user_id == learner_id)
            )
            if band == MINOR:  # age safeguards (issue 18): paid sessions are for adults
                raise BookingError(PAID_ADULTS_ONLY)
        if (
            paid
            and self.p.paid_booking_needs_verified_email
            and await verified_of(self.s, learner_id) is None
        ):
            raise BookingError(PAID_NEEDS_VERIFIED)
        await self._lock(learner_id, offer.mentor_id)
        if not await self.free_slots(offer, learner_id, length_min, only=starts_at):
            candidates = await self.free_slots(offer, learner_id, length_min)
            raise SlotTaken(tuple(s for s in candidates if s > starts_at)[:3])
        ends_at = starts_at + timedelta(minutes=length_min)
        pay_state = "pending" if offer.price_mode == "paid" and offer.amount_minor else "none"
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
            pay_state=pay_state,
            respond_by=self._respond_by(starts_at, unpaid=pay_state == "pending"),
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
        if await blocked_between(self.s, b.learner_id, b.mentor_id):
            raise BookingError(BLOCKED + " You can still cancel it without a penalty.")
        if await self._seat_group(b.id) is not None:
            raise BookingError(
                "A seat in a group session can't be moved; you can cancel it (/sessions)."
            )
        if self.now > b.starts_at - timedelta(hours=self.p.learner_full_refund_h):
            raise BookingError(
                f"Less than {self.p.learner_full_refund_h} h before the start a session can't be "
                "moved; you can still cancel it under the policy (/sessions)."
            )
        await self._lock(b.learner_id, b.mentor_id)
        if not await self.free_slots(
            offer, b.learner_id, b.length_min, moving=b.id, only=starts_at
        ):
            candidates = await self.free_slots(offer, b.learner_id, b.length_min, moving=b.id)
            raise SlotTaken(tuple(t for t in candidates if t > starts_at)[:3])
        try:
            async with self.s.begin_nested():
                await self._release(b.id)
                b.starts_at = starts_at
                b.ends_at = starts_at + timedelta(minutes=b.length_min)
                b.status = "requested"
                b.respond_by = self._respond_by(starts_at, unpaid=b.pay_state == "pending")
                b.decided_at = None
                await self.s.flush()
                await self._claim(b)
        except IntegrityError:
            await self.s.refresh(b)
            raise SlotTaken(()) from None
        self.events.append(BookingRequested(b.id, rescheduled=True))
        return b

    async def accept(self, booking_id: int, mentor_id: int) -> Booking:
        b = await self._mine(booking_id, mentor_id, as_mentor=True)
        if b.status != "requested":
            raise BookingError(f"This request is already {b.status}.")
        if b.pay_state == "pending":
            raise BookingError(UNPAID)
        if await self.s.scalar(
            select(Swap.id).where(Swap.teach_booking_id == booking_id, Swap.status == "proposed")
        ):
            raise BookingError(
                "This is your half of a skill swap you proposed: it is confirmed when your "
                "partner accepts both."
            )
        target = "accepted" if b.pay_state == "pending" else "confirmed"
        if not await self._move(booking_id, ["requested"], target, decided_at=self.now):
            raise BookingError("This request changed just now — look at /sessions.")
        if target == "confirmed":
            self.events.append(BookingConfirmed(booking_id))
        return b

    async def decline(self, booking_id: int, mentor_id: int, reason: str = "") -> Booking:
        b = await self._mine(booking_id, mentor_id, as_mentor=True)
        if b.status == "requested" and b.pay_state == "pending":
            raise BookingError(UNPAID)
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
        res = await self.s.execute(
            update(Booking)
            .where(Booking.id == booking_id, Booking.pay_state == "pending")
            .values(pay_state="paid")
            .execution_options(synchronize_session=False)
        )
        if await self._move(booking_id, ["accepted"], "confirmed"):
            self.events.append(BookingConfirmed(booking_id))
        await self.s.refresh(b)
        if res.rowcount and b.status == "requested":  # type: ignore[attr-defined]
            # The mentor sees the request only now, so their time to answer starts now.
            b.respond_by = self._respond_by(b.starts_at)
            await self.s.flush()
            self.events.append(BookingRequested(b.id))
        return True

    async def cancel_quote(self, booking_id: int, user_id: int) -> CancelQuote:
        b = await self._mine(booking_id, user_id, as_mentor=None)
        if b.status not in ACTIVE:
            raise BookingError(f"This session is already {b.status}.")
        by_mentor = user_id == b.mentor_id
        paid = b.amount_minor if b.pay_state == "paid" or b.price_mode == "credits" else 0
        if await blocked_between(self.s, b.mentor_id, b.learner_id):
            return CancelQuote(
                b.id,
                by_mentor,
                paid,
                b.currency,
                False,
                "One of you blocked the other, so there's no penalty: "
                + ("a full refund." if paid else "nothing was paid.")
                + ("" if not by_mentor else " It doesn't count against your reliability."),
            )
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
        return CancelQuote(
            b.id,
            False,
            0,
            b.currency,
            True,
            f"It's less than {self.p.learner_full_refund_h} h before the start, so "
            f"{keeps_share(paid, b.currency, self.p.platform_fee_bps)} and there's no refund.",
        )

    async def cancel(self, booking_id: int, user_id: int, reason: str = "") -> CancelQuote:
        quote = await self.cancel_quote(booking_id, user_id)
        current = await self.s.get(Booking, booking_id)
        if current is not None and await blocked_between(
            self.s, current.mentor_id, current.learner_id
        ):
            reason = BLOCKED_REASON  # reputation doesn't count it as the mentor dropping it
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

    async def report_problem(self, booking_id: int, user_id: int, text: str) -> Booking:
        b = await self._mine(booking_id, user_id, as_mentor=None)
        if not await self._move(booking_id, ["confirmed"], "disputed", cancel_reason=text[:300]):
            raise BookingError(f"This session is {b.status}; it can't be reported now.")
        self.events.append(BookingDisputed(booking_id, user_id))
        return b

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
