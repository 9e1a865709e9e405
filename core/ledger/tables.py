"""Money tables (DESIGN §5): ledger accounts and transfers, gateway payments, withdrawals."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class LedgerAccount(Base):
    """A user wallet or a platform account per currency. Only `balance` (a cache) changes."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        CheckConstraint("allow_negative OR balance >= 0", name="not_negative"),
        CheckConstraint(
            "kind in ('wallet', 'escrow', 'platform_revenue', 'gateway_clearing', "
            "'credit_issuance', 'payouts_pending')",
            name="kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)  # "wallet:12:INR", "escrow:INR"
    kind: Mapped[str] = mapped_column(String(24))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    currency: Mapped[str] = mapped_column(String(8))
    allow_negative: Mapped[bool] = mapped_column(Boolean, default=False)
    balance: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime]


class LedgerTransfer(Base):
    """One immutable movement of `amount` from one account to another."""

    __tablename__ = "ledger_transfers"
    __table_args__ = (
        CheckConstraint("amount > 0", name="amount"),
        CheckConstraint("source_id <> dest_id", name="distinct"),
        Index("ix_ledger_transfers_source_id_id", "source_id", "id"),
        Index("ix_ledger_transfers_dest_id_id", "dest_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(160), unique=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    dest_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    kind: Mapped[str] = mapped_column(String(32))
    ref: Mapped[str] = mapped_column(String(64), default="", index=True)
    memo: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class Payment(Base):
    """A gateway payment; `state` moves only forward: created → failed → captured, then
    refunded (money back to the payer) or settled (released to the mentor)."""

    __tablename__ = "payments"
    __table_args__ = (
        CheckConstraint(
            "state in ('created', 'failed', 'captured', 'refunded', 'settled')", name="state"
        ),
        CheckConstraint("amount > 0", name="amount"),
        Index("ix_payments_purpose_ref_id", "purpose", "ref_id"),
        Index("ix_payments_state_created_at", "state", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(40), unique=True)
    purpose: Mapped[str] = mapped_column(String(24))
    ref_id: Mapped[int] = mapped_column(Integer)
    payer_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    description: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(12), default="created")
    gateway: Mapped[str] = mapped_column(String(16))
    gateway_order_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    gateway_payment_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    failure_reason: Mapped[str] = mapped_column(Text, default="")
    refund_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class Withdrawal(Base):
    """A mentor's request to be paid out; the money waits in payouts_pending meanwhile."""

    __tablename__ = "withdrawals"
    __table_args__ = (
        CheckConstraint("state in ('requested', 'paid', 'rejected', 'failed')", name="state"),
        CheckConstraint("amount > 0", name="amount"),
        Index("ix_withdrawals_state_id", "state", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    destination: Mapped[str] = mapped_column(String(120))  # UPI id
    state: Mapped[str] = mapped_column(String(12), default="requested")
    payout_id: Mapped[str | None] = mapped_column(String(64))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]


class ImmutableRow(Exception):
    """Ledger rows are never edited or deleted; corrections are new transfers."""


def _refuse(_mapper: object, _conn: object, target: object) -> None:
    raise ImmutableRow(f"{type(target).__name__} rows are immutable")


# ORM-level guard: balances change only through the ledger's conditional UPDATE statements.
for _cls in (LedgerTransfer, LedgerAccount):
    event.listen(_cls, "before_update", _refuse)
    event.listen(_cls, "before_delete", _refuse)
