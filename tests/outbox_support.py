"""People with accounts on given platforms, and a look at their outbox rows."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.schema import Account, Outbox, User


async def person(
    s: AsyncSession, name: str, now: datetime, *accounts: str
) -> tuple[int, list[int]]:
    """A user with accounts written "platform:external_id"; the first is their primary."""
    user = User(display_name=name, created_at=now)
    s.add(user)
    await s.flush()
    ids = []
    for spec in accounts:
        platform, _, external_id = spec.partition(":")
        acc = Account(
            user_id=user.id,
            platform=platform,
            workspace=platform,
            external_id=external_id,
            display_name=name,
            created_at=now,
        )
        s.add(acc)
        await s.flush()
        ids.append(acc.id)
    user.primary_account_id = ids[0]
    return user.id, ids


async def rows(db: Database, ids: list[int] | None = None) -> list[Outbox]:
    async with db.transaction() as s:
        q = select(Outbox).order_by(Outbox.id)
        if ids is not None:
            q = q.where(Outbox.id.in_(ids))
        return list((await s.scalars(q)).all())
