from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.app import CoreApp
from core.clock import ManualClock
from core.db.engine import Database
from tests.support import RecordingChannel, make_core, make_template, sqlite_copy


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import asyncio

    path = tmp_path_factory.mktemp("template") / "template.db"
    asyncio.run(make_template(path))
    return path


@pytest.fixture
async def db(template_db: Path, tmp_path: Path) -> AsyncIterator[Database]:
    database = sqlite_copy(template_db, tmp_path)
    yield database
    await database.dispose()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
async def core(db: Database, clock: ManualClock) -> CoreApp:
    app = await make_core(db, clock, admins=["console:admin"])
    return app


@pytest.fixture
def inbox(core: CoreApp) -> RecordingChannel:
    channel = RecordingChannel("console")
    core.delivery.register(channel)
    return channel
