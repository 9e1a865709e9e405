"""The admin audit log: who did what to whom, when and why (one row per admin action).

Rows live in `audit_log` (core.db.schema.AuditEntry): `actor_id` is who, `created_at`
when, `action` + `target` what (e.g. "booking.refund" on "booking:12"), `detail` why.
Reached as `uow.audit`; never edited or deleted.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.schema import AuditEntry


class Audit:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.s = session
        self.now = now

    async def record(self, actor_id: int | None, action: str, target: str, why: str) -> None:
        self.s.add(
            AuditEntry(
                actor_id=actor_id,
                action=action[:40],
                target=target[:80],
                detail=why,
                created_at=self.now,
            )
        )
        await self.s.flush()

    async def recent(
        self, *, targets: tuple[str, ...] = (), actor_id: int | None = None, limit: int = 10
    ) -> list[AuditEntry]:
        """Newest first: entries about any of `targets`, or by `actor_id` (either matches)."""
        q = select(AuditEntry).order_by(AuditEntry.id.desc()).limit(limit)
        conds: list[ColumnElement[bool]] = []
        if targets:
            conds.append(AuditEntry.target.in_(targets))
        if actor_id is not None:
            conds.append(AuditEntry.actor_id == actor_id)
        if conds:
            q = q.where(or_(*conds))
        return list(await self.s.scalars(q))
