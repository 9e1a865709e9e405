"""Notifications reach each person on their primary account: Slack mentor, Discord admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from mentorbot.settings import Settings
from tests.adapters.discord.conftest import start_server
from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.adapters.slack.driver import SECRET, SlackUser
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.test_slack_admin import apply_in_slack, status_of

ADMIN = "500000000000000009"


@pytest.fixture
async def both(tmp_path: Path) -> AsyncIterator[tuple[TestServer, FakeSlack, FakeDiscord]]:
    slack, discord = FakeSlack(), FakeDiscord()
    await slack.start()
    await discord.start()
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/both.db",
        data_dir=tmp_path,
        secret_key="both",  # type: ignore[arg-type]
        admins=[f"discord:{ADMIN}"],
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_bot_token="xoxb-test-token",  # type: ignore[arg-type]
        slack_api_url=slack.url,
        discord_token="fake-discord-token",  # type: ignore[arg-type]
        discord_api_url=discord.api_url,
        discord_gateway_url=discord.gateway_url,
    )
    server = await start_server(settings)
    try:
        yield server, slack, discord
    finally:
        await server.close()
        await discord.close()
        await slack.close()


async def test_discord_admin_approves_a_slack_mentor(
    both: tuple[TestServer, FakeSlack, FakeDiscord],
) -> None:
    server, slack, discord = both
    admin = DiscordUser(server, discord, ADMIN, "Dee Admin")
    await admin.slash("help")
    assert "/admin" in admin.text()

    meera = SlackUser(server, slack, "UMEERA", "Meera Iyer")
    await apply_in_slack(meera)
    # The application went to the admin's Discord DM (REST: create DM, post message).
    dm = discord._dm_for(ADMIN)
    await discord.wait_for(
        lambda: any(s.where == dm and "New mentor application" in s.content for s in discord.sent)
    )
    note = next(s for s in discord.sent if s.where == dm and "Meera Iyer" in s.content)
    await admin.press("Approve", where=[note], guild=False)
    assert "Approved Meera Iyer" in admin.text()
    # ...and the decision reached the mentor through Slack's Web API.
    told = slack.in_channel("DUMEERA")[-1]
    assert "approved" in told.text
    assert await status_of(server, "UMEERA") == ("approved", "slack:T1")
