"""Every money movement that concerns a person (DESIGN §5), for /wallet and its CSV.

Their wallet's own transfers, plus what happened outside the wallet to money that was theirs:
card payments into escrow, refunds back to the card, the release of their held payment or
credit to the mentor (and the platform fee), and payouts of their withdrawals. All of it is
read from the ledger, so the statement is exactly what the books say.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.ledger.tables import LedgerAccount, LedgerTransfer, Payment, Withdrawal

# Transfers outside a person's wallet that still move their money (see `_outside`).
OUTSIDE_KINDS = ("payment", "refund", "earning", "fee", "payout")


@dataclass(frozen=True)
class Movement:
    transfer_id: int
    at: datetime
    currency: str
    amount: int  # what it changed for the person: + came to them, - left them, 0 neither
    moved: int  # how much moved
    kind: str
    label: str


def _session(ref: str) -> str:
    return ref.split(":", 1)[1] if ref.startswith("booking:") else ref


def _outside(t: LedgerTransfer, to_clearing: bool) -> Movement:
    """A transfer between platform accounts (or to someone else) about the person's money."""
    n = _session(t.ref)
    if t.kind == "payment":
        return Movement(
            t.id,
            t.created_at,
            t.currency,
            -t.amount,
            t.amount,
            "card_payment",
            f"Paid by card for session #{n}, held until the session is done",
        )
    if t.kind == "refund" and to_clearing:
        return Movement(
            t.id,
            t.created_at,
            t.currency,
            t.amount,
            t.amount,
            "card_refund",
            f"Refunded to your card, session #{n}",
        )
    if t.kind == "fee":
        return Movement(
            t.id, t.created_at, t.currency, 0, t.amount, "fee", f"Platform fee, session #{n}"
        )
    if t.kind == "payout":
        return Movement(
            t.id, t.created_at, t.currency, 0, t.amount, "payout", f"{t.memo}: sent to your UPI"
        )
    return Movement(
        t.id,
        t.created_at,
        t.currency,
        0,
        t.amount,
        "release",
        f"Released from your hold to the mentor, session #{n}",
    )


async def _refs(s: AsyncSession, user_id: int, wallet_ids: list[int]) -> set[str]:
    """What the person's money is tagged with: their credit holds, their card payments and
    their withdrawals."""
    refs: set[str] = set()
    if wallet_ids:
        refs |= set(
            await s.scalars(
                select(LedgerTransfer.ref).where(
                    LedgerTransfer.source_id.in_(wallet_ids), LedgerTransfer.kind == "hold"
                )
            )
        )
    payments = await s.execute(
        select(Payment.purpose, Payment.ref_id).where(
            Payment.payer_id == user_id,
            Payment.state.in_(("captured", "refunded", "settled")),
        )
    )
    refs |= {f"{purpose}:{ref_id}" for purpose, ref_id in payments.all()}
    withdrawals = await s.scalars(select(Withdrawal.id).where(Withdrawal.user_id == user_id))
    refs |= {f"withdrawal:{w}" for w in withdrawals}
    return refs


async def movements(s: AsyncSession, user_id: int, limit: int) -> list[Movement]:
    """The person's money movements, newest first."""
    wallet_ids = list(
        await s.scalars(
            select(LedgerAccount.id).where(
                LedgerAccount.kind == "wallet", LedgerAccount.user_id == user_id
            )
        )
    )
    refs = await _refs(s, user_id, wallet_ids)
    mine: list[ColumnElement[bool]] = [
        LedgerTransfer.source_id.in_(wallet_ids),
        LedgerTransfer.dest_id.in_(wallet_ids),
    ]
    if refs:
        mine.append(LedgerTransfer.ref.in_(refs) & LedgerTransfer.kind.in_(OUTSIDE_KINDS))
    rows = list(
        await s.scalars(
            select(LedgerTransfer).where(or_(*mine)).order_by(LedgerTransfer.id.desc()).limit(limit)
        )
    )
    clearing = set(
        await s.scalars(select(LedgerAccount.id).where(LedgerAccount.kind == "gateway_clearing"))
    )
    out: list[Movement] = []
    for t in rows:
        if t.dest_id in wallet_ids or t.source_id in wallet_ids:
            sign = 1 if t.dest_id in wallet_ids else -1
            out.append(
                Movement(t.id, t.created_at, t.currency, sign * t.amount, t.amount, t.kind, t.memo)
            )
        else:
            out.append(_outside(t, t.dest_id in clearing))
    return out
