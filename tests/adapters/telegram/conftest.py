"""The real aiogram Bot, Dispatcher and session against the fake Bot API, over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from bots.telegram.bot import TelegramBot
from bots.telegram.flood import Pacer
from bots.telegram.setup import TelegramConfig, make_bot
from core.app import CoreApp
from core.clock import ManualClock
from core.db.engine import Database
from mentorbot.app import create_app
from mentorbot.settings import Settings
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import FakeTime, TypingGate
from tests.support import make_core

ADMIN_ID = 900
SECRET = "hook-secret-2f9a"


def settings_for(tmp_path: Path, **extra: Any) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/tg.db",
        data_dir=tmp_path,
        secret_key="tg-secret",  # type: ignore[arg-type]
        **extra,
    )


@pytest.fixture
async def server(api: FakeBotAPI, tmp_path: Path) -> AsyncIterator[TestServer]:
    """The whole app (create_app) in webhook mode, on 127.0.0.1."""
    settings = settings_for(
        tmp_path,
        telegram_token=api.token,
        telegram_api_url=api.url,
        telegram_mode="webhook",
        telegram_webhook_secret=SECRET,
    )
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    fake = FakeBotAPI()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def tg_core(db: Database, clock: ManualClock) -> CoreApp:
    return await make_core(db, clock, admins=[f"telegram:{ADMIN_ID}"])


@pytest.fixture
def fake_time() -> FakeTime:
    return FakeTime()


@pytest.fixture
def typing_gate() -> TypingGate:
    return TypingGate()


@pytest.fixture
async def tg(
    api: FakeBotAPI, tg_core: CoreApp, fake_time: FakeTime, typing_gate: TypingGate
) -> AsyncIterator[TelegramBot]:
    config = TelegramConfig(token=api.token, api_url=api.url)
    bot = TelegramBot(
        tg_core,
        make_bot(config),
        timer=fake_time.timer,
        pacer=Pacer(timer=fake_time.timer),
        typing_later=typing_gate.later,
    )
    await bot.start(polling=True, polling_timeout=2)
    yield bot
    await bot.stop()
