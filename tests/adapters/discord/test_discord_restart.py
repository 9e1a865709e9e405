"""Buttons keep working after a restart: their custom_id is the payload, no state in memory."""

from __future__ import annotations

from mentorbot.settings import Settings
from tests.adapters.discord.conftest import start_server
from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import FakeDiscord


async def test_a_button_pressed_after_a_restart(
    settings: Settings, fake_discord: FakeDiscord
) -> None:
    first = await start_server(settings)
    try:
        mia = DiscordUser(first, fake_discord, "500000000000000003", "Mia")
        menu = await mia.slash("menu")
        assert "What would you like to do?" in mia.text()
        ids = [c["custom_id"] for row in menu[0].components for c in row["components"]]
        assert all(i.startswith("mb:") and len(i) <= 100 for i in ids)
    finally:
        await first.close()
    connections = fake_discord.connections

    second = await start_server(settings)
    try:
        assert fake_discord.connections == connections + 1  # a new gateway session
        mia.server = second
        await mia.press("Set up my profile", where=menu)
        assert "What would you like to do?" in mia.text()
        await mia.press("Both")
        assert "call you" in mia.text()
    finally:
        await second.close()
