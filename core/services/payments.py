"""Gateway payments (DESIGN §5): checkout links, webhook events applied once, reconciliation.

A payment's state only moves forward (created → failed → captured → refunded; a failed
attempt may be followed by a successful one on the same order, never the reverse). Captured
money goes gateway_clearing → escrow tagged `{purpose}:{ref_id}` and raises PaymentCaptured;
whoever owns the purpose (bookings) decides whether it is still wanted, and refunds it with
Money.refund_payment / refund_booking when not.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.inbound import first_seen
from core.events import Event, PaymentCaptured, PaymentFailed
from core.ledger import Ledger, platform
from core.ledger.tables import Payment

log = logging.getLogger(__name__)

EVENT_SOURCE = "razorpay"  # the sandbox speaks Razorpay's events too
RECONCILE_AFTER = timedelta(minutes=10)
RECONCILE_WINDOW = timedelta(days=3)


@dataclass(frozen=True)
class Checkout:
    payment_id: int
    url: str


@dataclass(frozen=True)
class GatewayEvent:
    """A gateway webhook reduced to what we act on (payments/ parses Razorpay's JSON)."""

    event_id: str
    kind: str  # captured | failed | other
    gateway_payment_id: str
    gateway_order_id: str
    amount: int
    currency: str
    payment_ref: int | None = None  # our Payment.id from the order's notes, if present
    reason: str = ""


class Payments:
    def __init__(
        self,
        session: AsyncSession,
        now: datetime,
        events: list[Event],
        *,
        gateway_name: str = "sandbox",
        public_url: str = "http://127.0.0.1:8080",
    ) -> None:
        self.s = session
        self.now = now
        self.events = events
        self.gateway_name = gateway_name
        self.public_url = public_url.rstrip("/")

    def url_of(self, p: Payment) -> str:
        return f"{self.public_url}/pay/{p.token}"

    async def checkout(
        self,
        *,
        purpose: str,
        ref_id: int,
        payer_id: int,
        amount: int,
        currency: str,
        description: str,
    ) -> Checkout:
        """A payment to make at `url` (our /pay page; the gateway order is made on first view)."""
        if amount <= 0:
            raise ValueError("a payment needs a positive amount")
        p = Payment(
            token=secrets.token_urlsafe(18),
            purpose=purpose,
            ref_id=ref_id,
            payer_id=payer_id,
            amount=amount,
            currency=currency,
            description=description[:200],
            state="created",
            gateway=self.gateway_name,
            failure_reason="",
            created_at=self.now,
            updated_at=self.now,
        )
        self.s.add(p)
        await self.s.flush()
        return Checkout(p.id, self.url_of(p))

    async def get(self, payment_id: int) -> Payment | None:
        return await self.s.get(Payment, payment_id, populate_existing=True)

    async def by_token(self, token: str) -> Payment | None:
        return await self.s.scalar(
            select(Payment).where(Payment.token == token).execution_options(populate_existing=True)
        )

    async def attach_order(self, payment_id: int, order_id: str) -> str:
        """Remember the gateway order; if another request attached one first, return that."""
        await self.s.execute(
            update(Payment)
            .where(Payment.id == payment_id, Payment.gateway_order_id.is_(None))
            .values(gateway_order_id=order_id, updated_at=self.now)
            .execution_options(synchronize_session=False)
        )
        p = await self.get(payment_id)
        assert p is not None and p.gateway_order_id is not None
        return p.gateway_order_id

    async def apply(self, ev: GatewayEvent) -> str:
        """Act on a gateway event once. Returns what happened (for logs and tests):
        duplicate | unknown | captured | failed | ignored | mismatch."""
        if not await first_seen(self.s, EVENT_SOURCE, ev.event_id, self.now):
            return "duplicate"
        if ev.kind not in ("captured", "failed"):
            return "ignored"
        p = None
        if ev.gateway_order_id:
            p = await self.s.scalar(
                select(Payment)
                .where(Payment.gateway_order_id == ev.gateway_order_id)
                .execution_options(populate_existing=True)
            )
        if p is None and ev.payment_ref is not None:
            p = await self.get(ev.payment_ref)
            if p is not None and p.gateway_order_id not in (None, ev.gateway_order_id):
                p = None
        if p is None:
            log.warning(
                "gateway event %s about unknown order %s / payment %s acknowledged",
                ev.event_id,
                ev.gateway_order_id,
                ev.gateway_payment_id,
            )
            return "unknown"
        if ev.kind == "failed":
            res = await self.s.execute(
                update(Payment)
                .where(Payment.id == p.id, Payment.state == "created")
                .values(state="failed", failure_reason=ev.reason[:500], updated_at=self.now)
                .execution_options(synchronize_session=False)
            )
            if res.rowcount != 1:  # type: ignore[attr-defined]
                return "ignored"  # already captured (or failed): never move back
            self.events.append(PaymentFailed(p.id, p.purpose, p.ref_id, ev.reason))
            return "failed"
        if ev.amount != p.amount or ev.currency != p.currency:
            log.error(
                "payment %s captured %s %s but %s %s was asked; not credited",
                p.id,
                ev.amount,
                ev.currency,
                p.amount,
                p.currency,
            )
            return "mismatch"
        ledger = Ledger(self.s, self.now)
        # Escrow before the payment row, the order every money path locks in (no deadlock
        # with a release or refund of the same booking running at the same moment).
        await ledger.lock(platform("escrow", p.currency))
        try:
            async with self.s.begin_nested():
                res = await self.s.execute(
                    update(Payment)
                    .where(
                        Payment.id == p.id,
                        or_(Payment.state == "created", Payment.state == "failed"),
                    )
                    .values(
                        state="captured",
                        gateway_payment_id=ev.gateway_payment_id,
                        updated_at=self.now,
                    )
                    .execution_options(synchronize_session=False)
                )
        except IntegrityError:
            return "duplicate"  # this gateway payment id was already credited
        if res.rowcount != 1:  # type: ignore[attr-defined]
            again = await self.get(p.id)
            if again is not None and again.gateway_payment_id != ev.gateway_payment_id:
                log.error(
                    "order %s was paid twice (%s and %s): refund the second by hand",
                    ev.gateway_order_id,
                    again.gateway_payment_id,
                    ev.gateway_payment_id,
                )
            return "ignored"
        await ledger.transfer(
            key=f"capture:{p.id}",
            source=platform("gateway_clearing", p.currency),
            dest=platform("escrow", p.currency),
            amount=p.amount,
            kind="payment",
            ref=f"{p.purpose}:{p.ref_id}",
            memo=f"Payment #{p.id} ({ev.gateway_payment_id})",
        )
        self.events.append(PaymentCaptured(p.id, p.purpose, p.ref_id, p.amount, p.currency))
        return "captured"

    async def stale(self, limit: int = 50) -> list[Payment]:
        rows = await self.s.scalars(
            select(Payment)
            .where(
                # A failed attempt may be followed by a successful one on the same order.
                or_(Payment.state == "created", Payment.state == "failed"),
                Payment.gateway_order_id.is_not(None),
                Payment.created_at < self.now - RECONCILE_AFTER,
                Payment.created_at > self.now - RECONCILE_WINDOW,
            )
            .order_by(Payment.state, Payment.id)  # 'created' before 'failed'
            .limit(limit)
        )
        return list(rows)
