from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.db.engine import Database
from tests.support import PG_URL, drop_pg_schema, postgres_schema_db, sqlite_copy


@pytest.fixture(params=["sqlite", "postgres"])
async def store(
    request: pytest.FixtureRequest, template_db: Path, tmp_path: Path
) -> AsyncIterator[Database]:
    """The same storage contract, run against every backend."""
    if request.param == "sqlite":
        db = sqlite_copy(template_db, tmp_path)
        yield db
        await db.dispose()
        return
    if not PG_URL:
        pytest.skip("PostgreSQL contract: set MENTORBOT_TEST_DATABASE_URL to run it")
    db, schema = await postgres_schema_db()
    try:
        yield db
    finally:
        await db.dispose()
        await drop_pg_schema(schema)
