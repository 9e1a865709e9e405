"""Money for sessions and mentors (DESIGN §5, §7): credits, escrow, splits, refunds, payouts.

Every method is idempotent: its ledger keys derive from the booking, payment or withdrawal
id, so calling it twice (a retry, a second worker) never moves money twice.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.schema import User
from core.events import Event, WithdrawalDecided, WithdrawalRequested
from core.ledger import CURRENCIES, Ledger, LedgerError, platform, wallet
from core.ledger.tables import LedgerAccount, Payment, Withdrawal
from core.ports import PaymentGateway

if TYPE_CHECKING:
    from core.policies import Policies

log = logging.getLogger(__name__)


class WithdrawalTooSmall(LedgerError):
    def __init__(self, minimum: int) -> None:
        super().__init__(f"the minimum withdrawal is {minimum}")
        self.minimum = minimum


class NoGateway(LedgerError):
    """Money has to go back through a gateway, but none is configured."""


def booking_ref(booking_id: int) -> str:
    return f"booking:{booking_id}"


def split_fee(amount: int, fee_bps: int) -> tuple[int, int]:
    """(mentor share, platform fee): the fee rounds down, the parts always sum to amount."""
    fee = amount * fee_bps // 10000
    return amount - fee, fee


async def grant_starter_credits(ledger: Ledger, user_id: int, credits: int) -> int:
    """A new user's starter credits, once per user (key `starter:{user_id}`)."""
    if credits <= 0:
        return 0
    await ledger.transfer(
        key=f"starter:{user_id}",
        source=platform("credit_issuance", "CREDIT"),
        dest=wallet(user_id, "CREDIT"),
        amount=credits,
        kind="starter",
        memo="Starter credits",
    )
    return credits


class Money:
    def __init__(
        self,
        session: AsyncSession,
        now: datetime,
        policies: Policies,
        events: list[Event],
        gateway: PaymentGateway | None = None,
    ) -> None:
        self.s = session
        self.now = now
        self.policies = policies
        self.events = events
        self.gateway = gateway
        self.ledger = Ledger(session, now)

    # -- credits ----------------------------------------------------------------------------

    async def grant_starter_credits(self, user_id: int) -> int:
        return await grant_starter_credits(self.ledger, user_id, self.policies.starter_credits)

    async def hold_credits(self, booking_id: int, learner_id: int, credits: int = 1) -> None:
        """Learner's credits → escrow for the booking, once per booking. Raises
        InsufficientFunds."""
        await self._lock_escrow()
        await self.ledger.transfer(
            key=f"hold:{booking_id}:CREDIT",
            source=wallet(learner_id, "CREDIT"),
            dest=platform("escrow", "CREDIT"),
            amount=credits,
            kind="hold",
            ref=booking_ref(booking_id),
            memo=f"Held for session #{booking_id}",
        )

    # -- escrow -----------------------------------------------------------------------------

    async def escrowed(self, booking_id: int) -> dict[str, int]:
        out: dict[str, int] = {}
        for cur in CURRENCIES:
            amount = await self.ledger.moved(booking_ref(booking_id), platform("escrow", cur))
            if amount:
                out[cur] = amount
        return out

    async def release_to_mentor(
        self, booking_id: int, mentor_id: int, fee_bps: int | None = None
    ) -> dict[str, int]:
        """Everything escrowed for the booking → mentor (money minus the platform fee).

        Returns what the mentor got per currency (nothing the second time).
        """
        bps = self.policies.platform_fee_bps if fee_bps is None else fee_bps
        paid: dict[str, int] = {}
        ref = booking_ref(booking_id)
        await self._lock_escrow()
        for cur, amount in (await self.escrowed(booking_id)).items():
            if amount <= 0:
                continue
            # Money may arrive again after a release (a late second payment): number rounds.
            n = await self.ledger.outflows(ref, platform("escrow", cur))
            share, fee = (amount, 0) if cur == "CREDIT" else split_fee(amount, bps)
            if fee:
                await self.ledger.transfer(
                    key=f"fee:{booking_id}:{cur}:{n}",
                    source=platform("escrow", cur),
                    dest=platform("platform_revenue", cur),
                    amount=fee,
                    kind="fee",
                    ref=ref,
                    memo=f"Platform fee, session #{booking_id}",
                )
            if share:
                await self.ledger.transfer(
                    key=f"release:{booking_id}:{cur}:{n}",
                    source=platform("escrow", cur),
                    dest=wallet(mentor_id, cur),
                    amount=share,
                    kind="earning",
                    ref=ref,
                    memo=f"Session #{booking_id}",
                )
            paid[cur] = share
        # The booking's captured payments are now the mentor's: no refund can take them back.
        await self.s.execute(
            update(Payment)
            .where(
                Payment.purpose == "booking",
                Payment.ref_id == booking_id,
                Payment.state == "captured",
            )
            .values(state="settled", updated_at=self.now)
            .execution_options(synchronize_session=False)
        )
        return paid

    async def refund_booking(self, booking_id: int) -> dict[str, int]:
        """Whatever is still escrowed for the booking goes back to whoever paid it.

        Credits return to the learner's wallet; money goes back through the gateway
        (one refund per captured payment). Returns what was refunded per currency.
        """
        ref = booking_ref(booking_id)
        refunded: dict[str, int] = {}
        await self._lock_escrow()
        held = await self.escrowed(booking_id)
        credits = held.get("CREDIT", 0)
        if credits > 0:
            learner = await self._credit_payer(ref)
            if learner is None:
                raise LedgerError(f"no credit hold found for {ref}")
            n = await self.ledger.outflows(ref, platform("escrow", "CREDIT"))
            await self.ledger.transfer(
                key=f"refund:{booking_id}:CREDIT:{n}",
                source=platform("escrow", "CREDIT"),
                dest=wallet(learner, "CREDIT"),
                amount=credits,
                kind="refund",
                ref=ref,
                memo=f"Refund, session #{booking_id}",
            )
            refunded["CREDIT"] = credits
        if held.get("INR", 0) > 0:
            rows = await self.s.scalars(
                select(Payment)
                .where(
                    Payment.purpose == "booking",
                    Payment.ref_id == booking_id,
                    Payment.state == "captured",
                )
                .order_by(Payment.id)
            )
            for p in list(rows):
                amount = await self.refund_payment(p.id)
                if amount:
                    refunded[p.currency] = refunded.get(p.currency, 0) + amount
        return refunded

    async def refund_payment(self, payment_id: int) -> int:
        """Refund one captured payment in full, if its money is still in escrow.

        Use it for a payment that arrived for something no longer waiting (a hold that
        expired, a second payment for the same booking). Returns the amount refunded
        (0 if it was refunded before).
        """
        await self._lock_escrow()
        p = await self.s.get(Payment, payment_id, populate_existing=True)
        if p is None:
            raise LedgerError(f"no payment {payment_id}")
        if p.state == "refunded":
            return 0
        if p.state == "settled":
            raise LedgerError(f"payment {payment_id} was already released to the mentor")
        if p.state != "captured" or p.gateway_payment_id is None:
            raise LedgerError(f"payment {payment_id} is {p.state}; only captured money goes back")
        ref = f"{p.purpose}:{p.ref_id}"
        if await self.ledger.moved(ref, platform("escrow", p.currency)) < p.amount:
            raise LedgerError(f"payment {payment_id}'s money has already left escrow")
        if self.gateway is None:
            raise NoGateway("no payment gateway is configured to send a refund")
        res = await self.s.execute(
            update(Payment)
            .where(Payment.id == p.id, Payment.state == "captured")
            .values(state="refunded", updated_at=self.now)
            .execution_options(synchronize_session=False)
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
            return 0
        await self.ledger.transfer(
            key=f"refund:payment:{p.id}",
            source=platform("escrow", p.currency),
            dest=platform("gateway_clearing", p.currency),
            amount=p.amount,
            kind="refund",
            ref=ref,
            memo=f"Refund of payment #{p.id}",
        )
        # Last, so a gateway failure rolls everything above back; the key makes a retry safe.
        refund_id = await self.gateway.refund(
            payment_id=p.gateway_payment_id, amount=p.amount, key=f"refund:payment:{p.id}"
        )
        await self.s.execute(
            update(Payment)
            .where(Payment.id == p.id)
            .values(refund_id=refund_id)
            .execution_options(synchronize_session=False)
        )
        return p.amount

    async def _lock_escrow(self) -> None:
        # Escrow per booking is read, then moved: hold the escrow rows so a concurrent
        # release and refund of one booking can't both see (and pay out) the same money.
        await self.ledger.lock(*(platform("escrow", cur) for cur in CURRENCIES))

    async def _credit_payer(self, ref: str) -> int | None:
        for t in await self.ledger.transfers(ref):
            if t.kind == "hold" and t.currency == "CREDIT":
                acc = await self.s.get(LedgerAccount, t.source_id)
                if acc is not None:
                    return acc.user_id
        return None

    # -- withdrawals ------------------------------------------------------------------------

    async def request_withdrawal(
        self, user_id: int, amount: int, destination: str, currency: str = "INR"
    ) -> Withdrawal:
        """Move `amount` wallet → payouts pending now, for an admin to approve.

        Raises WithdrawalTooSmall or InsufficientFunds (and then nothing is recorded).
        """
        if amount < self.policies.min_withdrawal_minor:
            raise WithdrawalTooSmall(self.policies.min_withdrawal_minor)
        async with self.s.begin_nested():
            w = Withdrawal(
                user_id=user_id,
                amount=amount,
                currency=currency,
                destination=destination[:120],
                state="requested",
                reason="",
                created_at=self.now,
            )
            self.s.add(w)
            await self.s.flush()
            await self.ledger.transfer(
                key=f"withdraw:{w.id}",
                source=wallet(user_id, currency),
                dest=platform("payouts_pending", currency),
                amount=amount,
                kind="withdrawal",
                ref=f"withdrawal:{w.id}",
                memo=f"Withdrawal #{w.id} to {destination[:60]}",
            )
        self.events.append(WithdrawalRequested(w.id, user_id, amount, currency))
        return w

    async def approve_withdrawal(self, withdrawal_id: int, admin_id: int) -> Withdrawal | None:
        """Pay it out through the gateway. None if it was already decided (or is unknown)."""
        w = await self._claim(withdrawal_id, "paid", admin_id, "")
        if w is None:
            return None
        if self.gateway is None:
            raise NoGateway("no payment gateway is configured to send a payout")
        await self.ledger.transfer(
            key=f"payout:{w.id}",
            source=platform("payouts_pending", w.currency),
            dest=platform("gateway_clearing", w.currency),
            amount=w.amount,
            kind="payout",
            ref=f"withdrawal:{w.id}",
            memo=f"Payout #{w.id}",
        )
        user = await self.s.get(User, w.user_id)
        payout_id = await self.gateway.payout(
            amount=w.amount,
            currency=w.currency,
            key=f"payout:{w.id}",
            destination=w.destination,
            name=user.display_name if user else f"user {w.user_id}",
        )
        w.payout_id = payout_id
        await self.s.flush()
        self.events.append(WithdrawalDecided(w.id, w.user_id, "paid", w.amount, w.currency, ""))
        return w

    async def reject_withdrawal(
        self, withdrawal_id: int, admin_id: int, reason: str
    ) -> Withdrawal | None:
        """Return the money to the wallet. None if it was already decided (or is unknown)."""
        w = await self._claim(withdrawal_id, "rejected", admin_id, reason)
        if w is None:
            return None
        await self.ledger.transfer(
            key=f"withdraw-return:{w.id}",
            source=platform("payouts_pending", w.currency),
            dest=wallet(w.user_id, w.currency),
            amount=w.amount,
            kind="withdrawal_returned",
            ref=f"withdrawal:{w.id}",
            memo=f"Withdrawal #{w.id} not approved",
        )
        self.events.append(
            WithdrawalDecided(w.id, w.user_id, "rejected", w.amount, w.currency, reason)
        )
        return w

    async def _claim(
        self, withdrawal_id: int, state: str, admin_id: int, reason: str
    ) -> Withdrawal | None:
        res = await self.s.execute(
            update(Withdrawal)
            .where(Withdrawal.id == withdrawal_id, Withdrawal.state == "requested")
            .values(state=state, decided_by=admin_id, decided_at=self.now, reason=reason[:500])
            .execution_options(synchronize_session=False)
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
            return None
        return await self.s.get(Withdrawal, withdrawal_id, populate_existing=True)

    async def withdrawal(self, withdrawal_id: int) -> Withdrawal | None:
        return await self.s.get(Withdrawal, withdrawal_id, populate_existing=True)

    async def pending_withdrawals(self, limit: int = 20) -> list[Withdrawal]:
        rows = await self.s.scalars(
            select(Withdrawal)
            .where(Withdrawal.state == "requested")
            .order_by(Withdrawal.id)
            .limit(limit)
        )
        return list(rows)
