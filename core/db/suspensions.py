"""Suspended people (issue 17): an admin's suspension of a whole account, with the reason.

While a row exists the person's messages get only the suspension notice (core.runner).
Reinstating deletes the row; the audit log keeps the history.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class Suspension(Base):
    __tablename__ = "user_suspensions"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    reason: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    since: Mapped[datetime]
