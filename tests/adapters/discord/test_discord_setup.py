"""/mentor setup: a server's announcement channel and mentor role; approved mentors who are
members get the role and a welcome there, once; Discord's refusals are respected."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestServer

from bots.discord.setup import DISCORDBOT
from core.app import CoreApp
from mentorbot.app import CORE
from mentorbot.settings import Settings
from tests.adapters.discord.conftest import start_server
from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import (
    ANNOUNCE_CHANNEL_ID,
    GUILD_ID,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    FakeDiscord,
    Unregistered,
)
from tests.support import ChatDriver
from tests.unit.dialog_helpers import apply_as_mentor

OWNER, MEMBER = "500000000000000031", "500000000000000032"
MENTOR, STRANGER, LATE = "500000000000000033", "500000000000000034", "500000000000000035"


@pytest.fixture
async def quick(settings: Settings) -> AsyncIterator[TestServer]:
    settings.discord_announce_every_s = 0.05
    srv = await start_server(settings)
    yield srv
    await srv.close()


async def approve(core: CoreApp, uid: str) -> None:
    await apply_as_mentor(core, uid, platform="discord")
    admin = ChatDriver(core, "admin", "web")  # web:admin is an admin in these settings
    await admin.say("/admin pending")
    await admin.press("Approve")
    assert "Approved" in admin.text(), admin.text()


def announcements(fake: FakeDiscord) -> list[str]:
    return [s.content for s in fake.sent if s.kind == "channel" and s.where == ANNOUNCE_CHANNEL_ID]


async def test_setup_then_an_approved_member_is_announced_and_gets_the_role(
    quick: TestServer, fake_discord: FakeDiscord
) -> None:
    role = fake_discord.add_role("Mentors")
    member = DiscordUser(quick, fake_discord, MEMBER, "Meera")
    refused = await member.slash_answer("setup", channel=ANNOUNCE_CHANNEL_ID, role=role)
    assert "Manage Server" in refused
    with pytest.raises(Unregistered):  # /mentor-admin is hidden from her altogether
        await fake_discord.slash(MEMBER, "setup", command="mentor-admin")

    fake_discord.permissions[OWNER] = MEMBER_PERMISSIONS | MANAGE_GUILD
    owner = DiscordUser(quick, fake_discord, OWNER, "Olu")
    done = await owner.slash_answer(
        "setup", command="mentor-admin", channel=ANNOUNCE_CHANNEL_ID, role=role
    )
    assert f"<#{ANNOUNCE_CHANNEL_ID}>" in done and f"<@&{role}>" in done

    fake_discord.add_user(MENTOR, "Mani")
    fake_discord.add_user(STRANGER, "Sam", member=False)  # not in the server
    core = quick.app[CORE]
    await approve(core, MENTOR)
    await approve(core, STRANGER)
    await fake_discord.wait_for(lambda: role in fake_discord.members[MENTOR])
    await fake_discord.wait_for(lambda: len(announcements(fake_discord)) == 1)
    assert f"<@{MENTOR}>" in announcements(fake_discord)[0]
    # The poll looks the stranger up after claiming them: from then on they are taken.
    looked_up = ("GET", f"guilds/{GUILD_ID}/members/{STRANGER}")
    await fake_discord.wait_for(lambda: looked_up in fake_discord.requests)
    bot = quick.app[DISCORDBOT]
    assert await bot.announcer.announce_pending() == 0  # each mentor handled once
    assert len(announcements(fake_discord)) == 1 and STRANGER not in fake_discord.members
    role_puts = [r for r in fake_discord.requests if r[0] == "PUT" and "/roles/" in r[1]]
    assert role_puts == [("PUT", f"guilds/{GUILD_ID}/members/{MENTOR}/roles/{role}")]


async def test_a_deleted_role_is_refused_and_not_retried(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    """`server` polls every 30 s: the test runs the poll itself."""
    role = fake_discord.add_role("Mentors")
    fake_discord.permissions[OWNER] = MEMBER_PERMISSIONS | MANAGE_GUILD
    owner = DiscordUser(server, fake_discord, OWNER, "Olu")
    await owner.slash_answer("setup", channel=ANNOUNCE_CHANNEL_ID, role=role)  # /mentor setup
    del fake_discord.roles[role]  # someone deletes the role in the server
    fake_discord.add_user(LATE, "Lata")
    await approve(server.app[CORE], LATE)
    bot = server.app[DISCORDBOT]
    assert await bot.announcer.announce_pending() == 1
    assert fake_discord.members[LATE] == set() and announcements(fake_discord) == []
    assert bot.invalid_by_status == {}  # a 404, not an invalid request
    assert await bot.announcer.announce_pending() == 0  # recorded: no retry storm
