"""Blocking and reporting people (issue 18, part 3).

A block works both ways for requests and bookings (neither can book the other) and hides the
blocked person from the blocker's search; existing bookings between the two may be cancelled
without penalty (core/booking/lifecycle.py asks `blocked_between`). Reports about a person go
to the admins' queue; once `report_alert_threshold` different people have open reports about
the same person, the admins are alerted (core/notices/safety.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement

from core.db.dms import DmRequest
from core.db.safety import Block, PersonReport
from core.events import Event, PersonReported

CATEGORIES = ("spam", "harassment", "no-show", "inappropriate", "other")
CATEGORY_LABELS = {
    "spam": "Spam",
    "harassment": "Harassment",
    "no-show": "No-show",
    "inappropriate": "Inappropriate",
    "other": "Other",
}
MAX_REPORT_TEXT = 1000


class SafetyError(Exception):
    pass


def not_blocked_with(viewer_id: int, user_col: ColumnElement[int] | Any) -> ColumnElement[bool]:
    """A SQL condition: no block between `viewer_id` and the user in `user_col`, either way."""
    return ~(
        select(Block.id)
        .where(
            or_(
                and_(Block.blocker_id == viewer_id, Block.blocked_id == user_col),
                and_(Block.blocker_id == user_col, Block.blocked_id == viewer_id),
            )
        )
        .exists()
    )


async def blocked_between(s: AsyncSession, a: int, b: int) -> bool:
    row = await s.scalar(
        select(Block.id)
        .where(
            or_(
                and_(Block.blocker_id == a, Block.blocked_id == b),
                and_(Block.blocker_id == b, Block.blocked_id == a),
            )
        )
        .limit(1)
    )
    return row is not None


class Safety:
    def __init__(
        self, session: AsyncSession, now: datetime, events: list[Event], alert_threshold: int
    ) -> None:
        self.s = session
        self.now = now
        self.events = events
        self.alert_threshold = alert_threshold

    async def block(self, blocker_id: int, blocked_id: int) -> bool:
        """Block; False when it was already in place."""
        if blocker_id == blocked_id:
            raise SafetyError("You can't block yourself.")
        if await self.has_blocked(blocker_id, blocked_id):
            return False
        async with self.s.begin_nested():
            self.s.add(Block(blocker_id=blocker_id, blocked_id=blocked_id, created_at=self.now))
        # Their intro requests to each other (direct messages, issue 16) are withdrawn.
        await self.s.execute(
            update(DmRequest)
            .where(
                DmRequest.state == "open",
                or_(
                    (DmRequest.learner_id == blocker_id) & (DmRequest.mentor_id == blocked_id),
                    (DmRequest.learner_id == blocked_id) & (DmRequest.mentor_id == blocker_id),
                ),
            )
            .values(state="withdrawn", decided_at=self.now)
        )
        return True

    async def unblock(self, blocker_id: int, blocked_id: int) -> bool:
        result = await self.s.execute(
            delete(Block).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id)
        )
        return bool(getattr(result, "rowcount", 0))

    async def has_blocked(self, blocker_id: int, blocked_id: int) -> bool:
        row = await self.s.scalar(
            select(Block.id).where(Block.blocker_id == blocker_id, Block.blocked_id == blocked_id)
        )
        return row is not None

    async def blocked_between(self, a: int, b: int) -> bool:
        return await blocked_between(self.s, a, b)

    async def blocked_by(self, blocker_id: int) -> list[int]:
        return list(
            await self.s.scalars(
                select(Block.blocked_id).where(Block.blocker_id == blocker_id).order_by(Block.id)
            )
        )

    async def blocked_either_way(self, user_id: int) -> set[int]:
        """Everyone this person blocked or was blocked by."""
        rows = await self.s.execute(
            select(Block.blocker_id, Block.blocked_id).where(
                or_(Block.blocker_id == user_id, Block.blocked_id == user_id)
            )
        )
        return {a if b == user_id else b for a, b in rows.all()}

    async def report(
        self,
        reporter_id: int,
        target_id: int,
        category: str,
        text: str,
        booking_id: int | None = None,
    ) -> PersonReport:
        if reporter_id == target_id:
            raise SafetyError("You can't report yourself.")
        if category not in CATEGORIES:
            raise SafetyError(f"Pick one of: {', '.join(CATEGORIES)}.")
        report = PersonReport(
            target_user_id=target_id,
            reporter_id=reporter_id,
            category=category,
            text=text.strip()[:MAX_REPORT_TEXT],
            state="open",
            booking_id=booking_id,
            created_at=self.now,
        )
        self.s.add(report)
        await self.s.flush()
        reporters = await self.open_reporters(target_id)
        self.events.append(PersonReported(report.id, target_id, reporters))
        return report

    async def open_reporters(self, target_id: int) -> int:
        """How many different people have open reports about `target_id`."""
        n = await self.s.scalar(
            select(func.count(func.distinct(PersonReport.reporter_id))).where(
                PersonReport.target_user_id == target_id, PersonReport.state == "open"
            )
        )
        return int(n or 0)

    def should_alert(self, ev: PersonReported) -> bool:
        """Alert exactly when the count of distinct reporters reaches the threshold."""
        return ev.open_reporters == self.alert_threshold

    async def open_reports(self, limit: int = 50) -> list[PersonReport]:
        return list(
            await self.s.scalars(
                select(PersonReport)
                .where(PersonReport.state == "open")
                .order_by(PersonReport.id)
                .limit(limit)
            )
        )

    async def decide(self, report_id: int, admin_id: int, state: str) -> PersonReport:
        if state not in ("dismissed", "actioned"):
            raise SafetyError("A report is dismissed or actioned.")
        report = await self.s.get(PersonReport, report_id)
        if report is None or report.state != "open":
            raise SafetyError(f"Report #{report_id} isn't open.")
        report.state, report.decided_by, report.decided_at = state, admin_id, self.now
        return report
