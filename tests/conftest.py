from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from core.app import CoreApp
from core.clock import ManualClock
from core.db.engine import Database
from payments.razorpay_gateway import RazorpayGateway
from tests.adapters.fake_razorpay import KEY_ID, KEY_SECRET, FakeRazorpay
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


@pytest.fixture
async def razorpay_fake() -> AsyncIterator[FakeRazorpay]:
    api = FakeRazorpay(KEY_ID, KEY_SECRET)
    yield api
    await api.close()


@pytest.fixture
async def razorpay_gateway(razorpay_fake: FakeRazorpay) -> RazorpayGateway:
    """The real razorpay SDK talking HTTP to `razorpay_fake` on 127.0.0.1."""
    url = await razorpay_fake.start()
    assert url.startswith("http://127.0.0.1:")
    return RazorpayGateway(KEY_ID, KEY_SECRET, api_url=url, payout_account="2323230041626905")
