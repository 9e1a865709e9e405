"""Run Alembic migrations from inside the running event loop."""

from __future__ import annotations

from pathlib import Path

from alembic.config import Config
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from alembic import command

ROOT = Path(__file__).resolve().parent.parent
MIGRATE_LOCK = 0x6D62_6D67  # "mbmg": the advisory lock concurrent upgrades queue on


def alembic_config(connection: Connection | None = None) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


# "heads": features may add migrations on their own branch off a shared revision.
async def upgrade(engine: AsyncEngine, revision: str = "heads") -> None:
    def _go(conn: Connection) -> None:
        command.upgrade(alembic_config(conn), revision)

    async with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Workers starting together: one migrates, the others wait and find nothing to do.
            await conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATE_LOCK})
        await conn.run_sync(_go)


async def downgrade(engine: AsyncEngine, revision: str) -> None:
    def _go(conn: Connection) -> None:
        command.downgrade(alembic_config(conn), revision)

    async with engine.begin() as conn:
        await conn.run_sync(_go)


async def current(engine: AsyncEngine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    def _go(conn: Connection) -> str | None:
        heads = MigrationContext.configure(conn).get_current_heads()
        return ", ".join(sorted(heads)) or None

    async with engine.connect() as conn:
        return await conn.run_sync(_go)
