"""Dispute statements and admin refunds (issue 17).

A reported session ("disputed") keeps the reporter's words in `bookings.cancel_reason`;
the other side's statement, asked for when the dispute opens, is a DisputeStatement.
Every refund an admin makes (by command or by a dispute decision) is one AdminRefund,
unique by `key`, so the same refund asked twice is made once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class DisputeStatement(Base):
    __tablename__ = "dispute_statements"
    __table_args__ = (UniqueConstraint("booking_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class AdminRefund(Base):
    __tablename__ = "admin_refunds"
    __table_args__ = (CheckConstraint("amount > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), index=True)
    admin_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # The gateway payment refunded in part (None: credits, or a whole payment refunded).
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("payments.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str] = mapped_column(Text, default="")
    gateway_refund_id: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime]
