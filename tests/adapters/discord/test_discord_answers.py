"""Every interaction gets an answer (issue #25 item 3): stale or unknown components, options
of the wrong type, slow work, and people whose DMs are closed."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp.test_utils import TestServer

from core.app import CoreApp
from core.services.announcements import Announcements
from mentorbot.app import CORE
from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import (
    ANNOUNCE_CHANNEL_ID,
    MANAGE_GUILD,
    MEMBER_PERMISSIONS,
    FakeDiscord,
)
from tests.unit.dialog_helpers import apply_as_mentor

ANA, BEN, OWNER = "500000000000000041", "500000000000000042", "500000000000000043"
ADMIN = "500000000000000009"  # an admin in these settings (MENTORBOT_ADMINS)
EPHEMERAL = 64


def expired(user: DiscordUser) -> bool:
    answer = user.callback
    return (
        answer is not None
        and answer.type == 4
        and answer.flags == EPHEMERAL
        and "That button has expired" in answer.content
        and "/mentor menu" in answer.content
    )


async def test_unknown_and_stale_components_are_answered_expired(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    ana = DiscordUser(server, fake_discord, ANA, "Ana")
    menu = await ana.slash("menu")
    on = menu[0]
    # A custom_id this bot never made (another bot's, or an old version's).
    await ana.click_id("legacy-button-7", on)
    assert expired(ana)
    # Ours in shape, but no dialog takes that payload any more.
    await ana.click_id("mb:nosuchthing:1", on)
    assert expired(ana)
    # A select whose value is no payload at all.
    token = await fake_discord.click(ANA, on, "mbs:0", ["has space"])
    await ana._answered(token)
    assert expired(ana)
    # A modal submission nobody opened.
    forged = fake_discord.raw(ANA, 5, {"custom_id": "who-knows", "components": []})
    await ana._answered(await fake_discord.interact(forged))
    assert expired(ana)
    # The same in the bot's DMs.
    await ana.click_id("legacy-button-7", on, guild=False)
    assert expired(ana)
    assert fake_discord.refused == []


async def test_an_option_of_the_wrong_type_is_refused_and_never_reaches_core(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    ben = DiscordUser(server, fake_discord, BEN, "Ben")
    core: CoreApp = server.app[CORE]
    reached: list[Any] = []
    real = core.handle

    async def watched(*args: Any, **kw: Any) -> Any:
        reached.append(args)
        return await real(*args, **kw)

    core.handle = watched  # type: ignore[method-assign]
    await ben.slash("find", query="42", forged_types={"query": 4})  # an INTEGER
    assert ben.callback is not None and ben.callback.type == 4
    assert ben.callback.flags == EPHEMERAL
    assert "*query* must be text" in ben.callback.content.replace("\\", "")
    assert reached == [] and [s for s in ben.last if s.kind == "followup"] == []
    await ben.slash("find", query="python")  # the same command, well typed: core answers
    assert reached and ben.callback is not None and ben.callback.type == 5


def slowed(fake: FakeDiscord, work: Callable[..., Awaitable[Any]]) -> Callable[..., Any]:
    """The real work, but as if it took 5 s (the fake's clock moves; nobody waits)."""

    async def slow(*args: Any, **kw: Any) -> Any:
        fake.elapse(5)
        return await work(*args, **kw)

    return slow


async def test_slow_work_is_deferred_then_followed_up(
    server: TestServer, fake_discord: FakeDiscord, monkeypatch: pytest.MonkeyPatch
) -> None:
    core: CoreApp = server.app[CORE]
    monkeypatch.setattr(core, "handle", slowed(fake_discord, core.handle))
    ana = DiscordUser(server, fake_discord, ANA, "Ana")
    await ana.slash("menu")
    assert ana.callback is not None and ana.callback.type == 5  # deferred before core ran
    assert "What would you like to do?" in ana.text()
    await ana.press("Set up my profile")
    assert ana.callback is not None and ana.callback.type == 7  # the press acknowledged first
    assert "What would you like to do?" in ana.text()

    # /mentor setup writes to the database: acknowledged before it, too.
    monkeypatch.setattr(Announcements, "configure", slowed(fake_discord, Announcements.configure))
    fake_discord.permissions[OWNER] = MEMBER_PERMISSIONS | MANAGE_GUILD
    owner = DiscordUser(server, fake_discord, OWNER, "Olu")
    role = fake_discord.add_role("Mentors")
    await owner.slash("setup", channel=ANNOUNCE_CHANNEL_ID, role=role)
    assert owner.callback is not None and owner.callback.type == 5
    assert f"<#{ANNOUNCE_CHANNEL_ID}>" in owner.text()
    assert fake_discord.refused == []  # no late callback, no follow-up without one


async def test_closed_dms_answer_ephemerally_where_the_person_is(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    core: CoreApp = server.app[CORE]
    admin = DiscordUser(server, fake_discord, ADMIN, "Adi")
    await apply_as_mentor(core, ADMIN, platform="discord")  # the admin applies, then decides
    await admin.slash("admin", args="pending")
    fake_discord.fail_once(
        "users/@me/channels", 403, {"message": "Cannot send messages to this user", "code": 50007}
    )
    await admin.press("Approve")
    assert "Approved" in admin.text()
    # The notice core sends to the applicant (a DM) comes here instead, for them only.
    notice = [s for s in admin.last if "application was" in s.content]
    assert notice and all(s.flags == EPHEMERAL for s in notice)
    assert "approved" in notice[0].content
    assert not any(s.kind == "channel" for s in fake_discord.sent)  # no DM went out
