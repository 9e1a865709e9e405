"""A small key/value table for facts a process keeps between restarts (not domain data).

E.g. the hash of the command set last registered with a platform, so a restart with the
same commands registers nothing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class KeyValue(Base):
    __tablename__ = "key_values"

    key: Mapped[str] = mapped_column(String(128), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]


async def get_value(session: AsyncSession, key: str) -> str | None:
    row = await session.get(KeyValue, key)
    return None if row is None else row.value


async def put_value(session: AsyncSession, key: str, value: str | None, now: datetime) -> None:
    """None deletes the key."""
    row = await session.get(KeyValue, key)
    if value is None:
        if row is not None:
            await session.delete(row)
    elif row is None:
        session.add(KeyValue(key=key, value=value, updated_at=now))
    else:
        row.value, row.updated_at = value, now
