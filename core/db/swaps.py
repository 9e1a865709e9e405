"""Skill swaps: two linked sessions, each person teaching the other, one credit each way."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base

SWAP_STATUSES = ("proposed", "accepted", "declined", "cancelled", "expired", "split")


class Swap(Base):
    __tablename__ = "skill_swaps"
    __table_args__ = (
        CheckConstraint(
            "status in ('proposed', 'accepted', 'declined', 'cancelled', 'expired', 'split')",
            name="status",
        ),
        CheckConstraint("proposer_id <> partner_id", name="not_self"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    proposer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    partner_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    # The partner teaches the proposer in one, the proposer teaches the partner in the other.
    learn_booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), unique=True)
    teach_booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id"), unique=True)
    learn_skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    teach_skill_id: Mapped[int] = mapped_column(ForeignKey("skills.id"))
    status: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
