"""Admins' money decisions (issue 17): refunds by hand and decided disputes.

Everything goes through the ledger (DESIGN §5) and, for money, the payment gateway:

- A refund takes what is still in escrow for the booking first; what was already released
  (a completed session) is paid back by the platform (from platform revenue for money,
  newly issued credits for credits), so a mentor's earned wallet is never clawed back.
  Money leaves to `gateway_clearing` and the gateway refunds the learner's payment (in part
  if asked). The same refund asked again (same booking, amount and reason) is made once
  (AdminRefund.key); a refund can never exceed what the learner paid minus what went back.
- A dispute (status "disputed", money still in escrow) is decided once: pay the mentor
  (escrow released as for a completed session), refund the learner (escrow back, as a
  cancellation), or split (part refunded as above, the rest released to the mentor).

Every action is written to the audit log. Nothing here tells anyone: callers send notices.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.joins import RoomEvent, records_of
from core.booking.tables import ACTIVE, Booking, BookingCell
from core.currency import money
from core.db.audit import Audit
from core.db.disputes import AdminRefund, DisputeStatement
from core.db.schema import MentorProfile
from core.ledger import Acct, platform, wallet
from core.ledger.tables import LedgerTransfer, Payment
from core.messaging import Button
from core.payloads import Payload
from core.services.money import Money, NoGateway, booking_ref

PAID_KINDS = ("hold", "payment")
OUTCOMES = ("mentor", "learner", "split")


@dataclass(frozen=True)
class DisputeSide(Payload, prefix="dsd"):
    """The "Give your side" button a side of a reported session gets."""

    booking_id: int


def side_button(booking_id: int) -> Button:
    return Button("Give your side", DisputeSide(booking_id).pack())


class AdminMoneyError(Exception):
    """The action can't be done; the message says why (shown to the admin)."""


def amount_text(minor: int, currency: str) -> str:
    if currency == "CREDIT":
        return f"{minor} credit{'s' if minor != 1 else ''}"
    return money(minor, currency)


@dataclass(frozen=True)
class Refunded:
    booking_id: int
    learner_id: int
    amount: int
    currency: str
    again: bool  # the same refund was made before: nothing was done now
    refund_id: int  # AdminRefund row


@dataclass(frozen=True)
class Decided:
    booking_id: int
    mentor_id: int
    learner_id: int
    outcome: str
    to_learner: int
    to_mentor: int  # the mentor's share after the platform fee
    currency: str


@dataclass(frozen=True)
class Dispute:
    booking: Booking
    statements: list[DisputeStatement]
    joins: list[RoomEvent]
    held: dict[str, int]


class AdminMoney:
    def __init__(self, session: AsyncSession, now: datetime, money: Money, audit: Audit) -> None:
        self.s = session
        self.now = now
        self.money = money
        self.ledger = money.ledger
        self.audit = audit

    # -- reading ----------------------------------------------------------------------------

    async def paid(self, booking_id: int) -> tuple[str, int, int]:
        """(currency, what the learner paid, what went back to them so far)."""
        ref = booking_ref(booking_id)
        totals: dict[tuple[str, str], int] = {}
        for t in await self.ledger.transfers(ref):
            group = "paid" if t.kind in PAID_KINDS else "back" if t.kind == "refund" else ""
            if group:
                totals[(t.currency, group)] = totals.get((t.currency, group), 0) + t.amount
        for cur in ("INR", "CREDIT"):
            if totals.get((cur, "paid")):
                return cur, totals[(cur, "paid")], totals.get((cur, "back"), 0)
        return "INR", 0, 0

    async def disputes(self, limit: int = 10) -> list[Dispute]:
        rows = await self.s.scalars(
            select(Booking)
            .where(Booking.status == "disputed")
            .order_by(Booking.starts_at)
            .limit(limit)
        )
        out = []
        for b in rows:
            statements = list(
                await self.s.scalars(
                    select(DisputeStatement)
                    .where(DisputeStatement.booking_id == b.id)
                    .order_by(DisputeStatement.id)
                )
            )
            joins = [e for e in await records_of(self.s, b.id) if e.kind in ("join", "leave")]
            out.append(Dispute(b, statements, joins, await self.money.escrowed(b.id)))
        return out

    async def add_statement(self, booking_id: int, user_id: int, text: str) -> bool:
        """A side's statement on a disputed session, once each. False if not theirs/open."""
        b = await self.s.get(Booking, booking_id)
        if b is None or b.status != "disputed" or user_id not in (b.mentor_id, b.learner_id):
            return False
        have = await self.s.scalar(
            select(DisputeStatement.id).where(
                DisputeStatement.booking_id == booking_id, DisputeStatement.user_id == user_id
            )
        )
        if have is not None:
            return False
        self.s.add(
            DisputeStatement(
                booking_id=booking_id, user_id=user_id, text=text[:1000], created_at=self.now
            )
        )
        await self.s.flush()
        return True

    # -- refunds ----------------------------------------------------------------------------

    async def refund(
        self, admin_id: int, booking_id: int, amount: int | None, reason: str
    ) -> Refunded:
        """Refund `amount` (None: all that is left) of what the learner paid for a booking."""
        b = await self.s.get(Booking, booking_id)
        if b is None:
            raise AdminMoneyError(f"There is no booking #{booking_id}.")
        if b.status == "disputed":
            raise AdminMoneyError(
                f"Session #{b.id} is disputed: decide it with /admin decide {b.id} …"
            )
        await self.money._lock_escrow()
        currency, paid, back = await self.paid(b.id)
        left = paid - back
        want = left if amount is None else amount
        key = _key(b.id, currency, amount, reason)  # "all" stays "all" when asked again
        done = await self.s.scalar(select(AdminRefund).where(AdminRefund.key == key))
        if done is not None:
            return Refunded(b.id, b.learner_id, done.amount, done.currency, True, done.id)
        if paid == 0:
            raise AdminMoneyError(f"Nothing was paid for session #{b.id}.")
        if left <= 0:
            raise AdminMoneyError(f"Session #{b.id} was already refunded in full.")
        if want <= 0 or want > left:
            raise AdminMoneyError(
                f"You can refund at most {amount_text(left, currency)} for session #{b.id}."
            )
        if b.status in ACTIVE:
            if want != left:
                raise AdminMoneyError(
                    f"Session #{b.id} is still {b.status}: only a full refund (which cancels "
                    "it) is possible before it ends."
                )
            return await self._refund_active(admin_id, b, reason, key, currency, want)
        async with self.s.begin_nested():
            row = await self._refund_part(admin_id, b, want, currency, reason, key)
            await self.audit.record(
                admin_id,
                "booking.refund",
                f"booking:{b.id}",
                f"{amount_text(want, currency)}: {reason}",
            )
        return Refunded(b.id, b.learner_id, want, currency, False, row.id)

    async def _refund_active(
        self, admin_id: int, b: Booking, reason: str, key: str, currency: str, want: int
    ) -> Refunded:
        async with self.s.begin_nested():
            res = await self.s.execute(
                update(Booking)
                .where(Booking.id == b.id, Booking.status.in_(ACTIVE))
                .values(
                    status="cancelled",
                    cancelled_by=admin_id,
                    cancel_reason=reason[:300],
                    decided_at=self.now,
                )
                .execution_options(synchronize_session=False)
            )
            if res.rowcount != 1:  # type: ignore[attr-defined]
                raise AdminMoneyError(f"Session #{b.id} changed just now; look again.")
            await self.s.execute(delete(BookingCell).where(BookingCell.booking_id == b.id))
            got = await self.money.refund_booking(b.id)
            row = await self._row(admin_id, b.id, key, got.get(currency, want), currency, reason)
            await self.s.refresh(b)
            if b.pay_state == "paid":
                b.pay_state = "refunded"
            await self.audit.record(
                admin_id,
                "booking.refund",
                f"booking:{b.id}",
                f"{amount_text(want, currency)}, session cancelled: {reason}",
            )
        return Refunded(b.id, b.learner_id, want, currency, False, row.id)

    async def _row(
        self,
        admin_id: int,
        booking_id: int,
        key: str,
        amount: int,
        currency: str,
        reason: str,
        payment_id: int | None = None,
    ) -> AdminRefund:
        row = AdminRefund(
            key=key,
            booking_id=booking_id,
            admin_id=admin_id,
            payment_id=payment_id,
            amount=amount,
            currency=currency,
            reason=reason,
            created_at=self.now,
        )
        self.s.add(row)
        await self.s.flush()
        return row

    async def _refund_part(
        self, admin_id: int, b: Booking, want: int, currency: str, reason: str, key: str
    ) -> AdminRefund:
        """`want` back to the learner: escrow first, then the platform. Inside a savepoint
        (a gateway failure undoes the ledger moves)."""
        ref = booking_ref(b.id)
        in_escrow = max(0, (await self.money.escrowed(b.id)).get(currency, 0))
        from_escrow = min(want, in_escrow)
        from_platform = want - from_escrow
        payment = None
        if currency != "CREDIT":
            payment = await self._refundable_payment(b.id, want)
            if self.money.gateway is None:
                raise NoGateway("no payment gateway is configured to send a refund")
        row = await self._row(
            admin_id, b.id, key, want, currency, reason, payment.id if payment else None
        )
        dest: Acct = (
            wallet(b.learner_id, currency)
            if currency == "CREDIT"
            else platform("gateway_clearing", currency)
        )
        platform_source = platform(
            "credit_issuance" if currency == "CREDIT" else "platform_revenue", currency
        )
        for source, part, tag in (
            (platform("escrow", currency), from_escrow, "escrow"),
            (platform_source, from_platform, "platform"),
        ):
            if part > 0:
                await self.ledger.transfer(
                    key=f"adminrefund:{row.id}:{tag}",
                    source=source,
                    dest=dest,
                    amount=part,
                    kind="refund",
                    ref=ref,
                    memo=f"Refund by an admin, session #{b.id}",
                )
        if payment is not None and self.money.gateway is not None:
            assert payment.gateway_payment_id is not None
            row.gateway_refund_id = await self.money.gateway.refund(
                payment_id=payment.gateway_payment_id, amount=want, key=f"adminrefund:{row.id}"
            )
            await self.s.flush()
        return row

    async def _refundable_payment(self, booking_id: int, want: int) -> Payment:
        payments = await self.s.scalars(
            select(Payment)
            .where(
                Payment.purpose == "booking",
                Payment.ref_id == booking_id,
                Payment.state.in_(("captured", "settled")),
                Payment.gateway_payment_id.is_not(None),
            )
            .order_by(Payment.id)
        )
        for p in payments:
            taken = await self.s.scalar(
                select(func.coalesce(func.sum(AdminRefund.amount), 0)).where(
                    AdminRefund.payment_id == p.id
                )
            )
            if p.amount - int(taken or 0) >= want:
                return p
        raise AdminMoneyError(
            f"No single payment for session #{booking_id} has that much left to refund."
        )

    # -- disputes ---------------------------------------------------------------------------

    async def decide(
        self, admin_id: int, booking_id: int, outcome: str, to_learner: int | None, reason: str
    ) -> Decided:
        """Decide a dispute once. For a split, `to_learner` is how much goes back."""
        if outcome not in OUTCOMES:
            raise AdminMoneyError("Decide pay the mentor, refund the learner, or split.")
        b = await self.s.get(Booking, booking_id)
        if b is None:
            raise AdminMoneyError(f"There is no booking #{booking_id}.")
        if b.status != "disputed":
            raise AdminMoneyError(
                f"Session #{b.id} is {b.status}, not disputed: nothing to decide."
            )
        await self.money._lock_escrow()
        held = await self.money.escrowed(b.id)
        currency = next(iter(held), b.currency if b.price_mode == "paid" else "CREDIT")
        total = max(0, held.get(currency, 0))
        if outcome == "split":
            if to_learner is None or not 0 <= to_learner <= total:
                raise AdminMoneyError(
                    f"A split gives the learner 0 to {amount_text(total, currency)}."
                )
            give = to_learner
        else:
            give = total if outcome == "learner" else 0
        async with self.s.begin_nested():
            to = "cancelled" if outcome == "learner" else "completed"
            values: dict[str, object] = {"status": to, "decided_at": self.now}
            if to == "completed":
                values["completed_at"] = self.now
            else:
                values["cancelled_by"] = admin_id
            res = await self.s.execute(
                update(Booking)
                .where(Booking.id == b.id, Booking.status == "disputed")
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if res.rowcount != 1:  # type: ignore[attr-defined]
                raise AdminMoneyError(f"Session #{b.id} was decided just now.")
            mentor_got = 0
            if outcome == "learner":
                await self.money.refund_booking(b.id)
                if total:
                    await self._row(admin_id, b.id, f"dispute:{b.id}", total, currency, reason)
            else:
                if give > 0:
                    await self._refund_part(admin_id, b, give, currency, reason, f"dispute:{b.id}")
                paid = await self.money.release_to_mentor(b.id, b.mentor_id)
                mentor_got = paid.get(currency, 0)
                await self.s.execute(
                    update(MentorProfile)
                    .where(MentorProfile.user_id == b.mentor_id)
                    .values(sessions_completed=MentorProfile.sessions_completed + 1)
                )
            if outcome == "learner" and b.pay_state == "paid":
                await self.s.execute(
                    update(Booking)
                    .where(Booking.id == b.id)
                    .values(pay_state="refunded")
                    .execution_options(synchronize_session=False)
                )
            await self.s.refresh(b)
            detail = {
                "mentor": "pay the mentor",
                "learner": "refund the learner",
                "split": f"split, {amount_text(give, currency)} back to the learner",
            }[outcome]
            await self.audit.record(
                admin_id, f"dispute.{outcome}", f"booking:{b.id}", f"{detail}: {reason}"
            )
        return Decided(b.id, b.mentor_id, b.learner_id, outcome, give, mentor_got, currency)

    async def refunds_of(self, booking_ids: list[int]) -> list[AdminRefund]:
        if not booking_ids:
            return []
        return list(
            await self.s.scalars(
                select(AdminRefund)
                .where(AdminRefund.booking_id.in_(booking_ids))
                .order_by(AdminRefund.id.desc())
            )
        )

    async def transfers_of(self, booking_id: int) -> list[LedgerTransfer]:
        return await self.ledger.transfers(booking_ref(booking_id))


def _key(booking_id: int, currency: str, amount: int | None, reason: str) -> str:
    """The same refund asked again: same booking, amount (or "all") and reason."""
    digest = hashlib.sha256(" ".join(reason.split()).casefold().encode()).hexdigest()[:16]
    return f"refund:{booking_id}:{currency}:{'all' if amount is None else amount}:{digest}"
