"""Published matching models in the database (table match_models): the retraining worker
writes a new version, every other worker reads the newest one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select

from core.db.engine import Database
from core.db.matching import MatchModel

KEEP = 3  # versions kept: a worker loading one just superseded still finds it


async def publish(db: Database, data: bytes, worker: str, now: datetime) -> int:
    """Store a model; its version (increasing). Older versions beyond KEEP are deleted."""
    async with db.transaction() as s:
        row = MatchModel(worker=worker[:200], size=len(data), data=data, created_at=now)
        s.add(row)
        await s.flush()
        version = int(row.version)
        await s.execute(delete(MatchModel).where(MatchModel.version <= version - KEEP))
    return version


async def latest_version(db: Database) -> int | None:
    async with db.transaction() as s:
        v = await s.scalar(select(func.max(MatchModel.version)))
    return int(v) if v is not None else None


async def fetch_latest(db: Database) -> tuple[int, bytes] | None:
    async with db.transaction() as s:
        row = (
            await s.execute(
                select(MatchModel.version, MatchModel.data)
                .order_by(MatchModel.version.desc())
                .limit(1)
            )
        ).first()
    return (int(row[0]), bytes(row[1])) if row is not None else None
