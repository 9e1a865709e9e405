"""The skills table, seeded from the shipped taxonomy, and the in-memory index over it."""

from __future__ import annotations

import time
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.schema import Skill
from core.events import Event, SkillTagCreated
from core.skills import SkillIndex, SkillRef, TaxonomyEntry, skill_key


async def sync_taxonomy(
    session: AsyncSession, entries: tuple[TaxonomyEntry, ...], now: datetime
) -> int:
    """Insert taxonomy skills missing from the table; returns how many were added."""
    existing = {k: s for k, s in ((s.key, s) for s in await session.scalars(select(Skill)))}
    added = 0
    for e in entries:
        key = skill_key(e.name)
        row = existing.get(key)
        if row is None:
            session.add(
                Skill(
                    name=e.name,
                    key=key,
                    category=e.category,
                    aliases=list(e.aliases),
                    status="approved",
                    created_at=now,
                )
            )
            added += 1
        elif row.status == "pending":
            # A tag someone typed that the taxonomy now knows: promote it.
            row.status, row.category, row.aliases = "approved", e.category, list(e.aliases)
        elif list(row.aliases) != list(e.aliases):
            row.aliases = list(e.aliases)
    await session.flush()
    return added


class SkillCatalog:
    """Process-wide cache of the skill index; refreshed when the table changes."""

    def __init__(self, recheck_s: float = 2.0) -> None:
        self._index = SkillIndex([])
        self._stamp: tuple[int, ...] = (-1, -1, -1)
        # Every message asks for the index. Changes made in this process invalidate it at
        # once; other workers' changes (an admin approving a tag there) are picked up by a
        # cheap stamp query at most every `recheck_s` seconds of real time.
        self.recheck_s = recheck_s
        self._checked_at = float("-inf")

    def invalidate(self) -> None:
        self._checked_at = float("-inf")

    @property
    def index(self) -> SkillIndex:
        return self._index

    async def refresh(self, session: AsyncSession) -> SkillIndex:
        checked_at = time.monotonic()
        if checked_at - self._checked_at < self.recheck_s:
            return self._index
        row = (
            await session.execute(
                select(
                    func.count(),
                    func.coalesce(func.max(Skill.id), 0),
                    # A pending tag approved elsewhere changes no count but its status.
                    func.count().filter(Skill.status == "approved"),
                ).where(Skill.status != "rejected")
            )
        ).one()
        stamp = (int(row[0]), int(row[1]), int(row[2]))
        if stamp != self._stamp:
            skills = await session.scalars(select(Skill).where(Skill.status != "rejected"))
            self._index = SkillIndex(
                [(SkillRef(s.id, s.name, s.status), tuple(s.aliases or ())) for s in skills]
            )
            self._stamp = stamp
        self._checked_at = checked_at
        return self._index

    async def add_tag(
        self, session: AsyncSession, name: str, user_id: int, now: datetime, events: list[Event]
    ) -> SkillRef:
        clean = " ".join(name.split())[:80]
        key = skill_key(clean)
        row = await session.scalar(select(Skill).where(Skill.key == key))
        if row is None:
            row = Skill(
                name=clean,
                key=key,
                category="New tags",
                aliases=[],
                status="pending",
                created_by=user_id,
                created_at=now,
            )
            session.add(row)
            await session.flush()
            self.invalidate()
            events.append(SkillTagCreated(row.id, row.name, user_id))
        return SkillRef(row.id, row.name, row.status)

    async def pending_tags(self, session: AsyncSession) -> list[Skill]:
        return list(
            await session.scalars(select(Skill).where(Skill.status == "pending").order_by(Skill.id))
        )

    async def decide_tag(self, session: AsyncSession, skill_id: int, approve: bool) -> Skill | None:
        row = await session.get(Skill, skill_id)
        if row is None or row.status != "pending":
            return None
        row.status = "approved" if approve else "rejected"
        if approve and row.category == "New tags":
            row.category = "Community"
        await session.flush()
        self.invalidate()
        return row
