"""/mentor is registered with Discord at start-up only when the commands changed, or by
`mentorbot discord sync-commands`; the fake delivers nothing that isn't registered."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

import bots.discord.commands
from core.commands import COMMANDS, Command
from mentorbot.settings import Settings
from tests.adapters.discord.conftest import start_server
from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import GUILD_ID, FakeDiscord, Unregistered

ROOT = Path(__file__).resolve().parents[3]
ANA = "500000000000000021"


def subcommands(fake: FakeDiscord, name: str, scope: str | None = None) -> list[str]:
    cmd = next(c for c in fake.commands[scope] if c["name"] == name)
    return [o["name"] for o in cmd["options"]]


async def test_start_up_registers_once_and_again_when_the_table_changes(
    settings: Settings, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake_discord.add_user(ANA, "Ana")
    with pytest.raises(Unregistered):
        await fake_discord.slash(ANA, "help")  # nothing registered yet: Discord sends nothing

    first = await start_server(settings)
    try:
        assert fake_discord.overwrites == [None]  # one global bulk overwrite
        listed = [c.subcommand for c in COMMANDS if c.listed]
        assert subcommands(fake_discord, "mentor") == [*listed, "setup"]
        assert subcommands(fake_discord, "mentor-admin") == ["admin", "setup"]
        mentor, admin, menu = fake_discord.commands[None]
        assert (menu["name"], menu["type"]) == ("Report message", 3)  # Apps → Report message
        assert mentor["contexts"] == [0, 1] and mentor["default_member_permissions"] is None
        assert admin["contexts"] == [0] and admin["default_member_permissions"] == "32"
        ana = DiscordUser(first, fake_discord, ANA, "Ana")
        await ana.slash("help")
        assert "/mentor find SKILL" in ana.text() and "\n- /find" not in ana.text()
        await ana.slash("menu", guild=False)  # in the bot's DMs too
        assert "What would you like to do?" in ana.text()
        with pytest.raises(Unregistered):
            await fake_discord.slash(ANA, "dance")
        with pytest.raises(Unregistered):  # Manage Server only: Discord hides it from Ana
            await fake_discord.slash(ANA, "setup", command="mentor-admin")
        with pytest.raises(Unregistered):  # servers only
            await fake_discord.slash(ANA, "admin", command="mentor-admin", guild=False)
    finally:
        await first.close()

    second = await start_server(settings)  # the same commands: nothing sent
    await second.close()
    assert fake_discord.overwrites == [None]

    ping = Command("ping", "are you there?", ("help", ""))
    monkeypatch.setattr(bots.discord.commands, "COMMANDS", (*COMMANDS, ping))
    third = await start_server(settings)
    try:
        assert fake_discord.overwrites == [None, None]
        assert "ping" in subcommands(fake_discord, "mentor")
        await DiscordUser(third, fake_discord, ANA, "Ana").slash("ping")
    finally:
        await third.close()


async def _cli(fake: FakeDiscord, tmp_path: Path, *args: str) -> str:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "MENTORBOT_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/discord.db",
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "discord-e2e",
        "MENTORBOT_DISCORD_TOKEN": "fake-discord-token",
        "MENTORBOT_DISCORD_API_URL": fake.api_url,
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from mentorbot.cli import main; main()",
        "discord",
        "sync-commands",
        *args,
        cwd=tmp_path,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    assert proc.returncode == 0, err.decode()
    return out.decode()


async def test_cli_sync_commands_to_one_guild(fake_discord: FakeDiscord, tmp_path: Path) -> None:
    out = await _cli(fake_discord, tmp_path, "--guild", GUILD_ID)
    assert f"Registered /mentor, /mentor-admin in server {GUILD_ID}" in out
    assert fake_discord.overwrites == [GUILD_ID] and None not in fake_discord.commands
    assert "find" in subcommands(fake_discord, "mentor", GUILD_ID)
    fake_discord.add_user(ANA, "Ana")
    fake_discord.deliverable(ANA, "mentor", "help", guild=True)  # in that server now
    with pytest.raises(Unregistered):
        fake_discord.deliverable(ANA, "mentor", "help", guild=False)  # but not elsewhere


async def test_cli_global_sync_then_start_up_sends_nothing(
    fake_discord: FakeDiscord, settings: Settings, tmp_path: Path
) -> None:
    out = await _cli(fake_discord, tmp_path)
    assert "Registered /mentor, /mentor-admin globally" in out
    assert fake_discord.overwrites == [None]
    server = await start_server(settings)  # the same database: the digest is known
    await server.close()
    assert fake_discord.overwrites == [None]
