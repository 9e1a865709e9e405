from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from bots.discord.setup import DISCORDBOT
from core.ports import Clock
from mentorbot.app import create_app
from mentorbot.settings import Settings
from tests.adapters.discord.fake_discord import FakeDiscord


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
def settings(tmp_path: Path, fake_discord: FakeDiscord) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/discord.db",
        data_dir=tmp_path,
        secret_key="discord-e2e",  # type: ignore[arg-type]
        admins=["discord:500000000000000009", "web:admin"],
        discord_token="fake-discord-token",  # type: ignore[arg-type]
        discord_api_url=fake_discord.api_url,
        discord_gateway_url=fake_discord.gateway_url,
        discord_cdn_url=fake_discord.base,
    )


async def start_server(settings: Settings, clock: Clock | None = None) -> TestServer:
    srv = TestServer(create_app(settings, clock=clock), host="127.0.0.1")
    await srv.start_server()
    bot = srv.app[DISCORDBOT]
    for _ in range(500):  # bounded: about 10 s
        if bot.connected():
            break
        await asyncio.sleep(0.02)
    assert bot.connected(), "discord.py never connected to the fake gateway"
    return srv


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    srv = await start_server(settings)
    yield srv
    await srv.close()
