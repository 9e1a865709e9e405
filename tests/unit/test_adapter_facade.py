"""The small facade methods adapters use instead of core's internals (core/app.py)."""

from __future__ import annotations

from core.app import CoreApp
from core.clock import ManualClock
from core.messaging import Actor
from core.services.announcements import GuildConfig
from tests.support import ChatDriver
from tests.unit.dialog_helpers import apply_as_mentor


async def test_knows_action_tells_live_payloads_from_stale_ones(core: CoreApp) -> None:
    menu = await ChatDriver(core, "kai").say("/menu")
    payloads = [b.payload for r in menu for b in r.all_buttons() if hasattr(b, "payload")]
    assert payloads and all(core.knows_action(p) for p in payloads)
    assert not core.knows_action("nosuchthing:1")
    assert not core.knows_action("")


async def test_skill_names_start_like_the_typed_text_then_close_matches(core: CoreApp) -> None:
    names = core.skill_names("pyth")
    assert names and names[0].casefold().startswith("pyth")
    assert len(core.skill_names("")) == 25
    assert "React" in core.skill_names("raect")  # a typo still finds it


async def test_values_are_kept_replaced_and_forgotten(core: CoreApp) -> None:
    assert await core.get_value("discord:test") is None
    await core.put_value("discord:test", "one")
    await core.put_value("discord:test", "two")
    assert await core.get_value("discord:test") == "two"
    await core.put_value("discord:test", None)
    assert await core.get_value("discord:test") is None
    await core.put_value("discord:test", None)  # forgetting twice is fine


async def test_announcements_claim_each_mentor_once_per_server(
    core: CoreApp, clock: ManualClock
) -> None:
    since = clock.now()
    await core.announcements.configure(GuildConfig(7, 8, 9, since), "owner")
    await apply_as_mentor(core, "111", platform="discord")
    async with core.uow() as u:  # the test decides directly; adapters never do
        admin, _ = await u.identity.resolve(Actor("web", "web", "boss", "Boss"))
        admin.is_admin = True
        mentor, _ = await u.identity.resolve(Actor("discord", "discord", "111", "111"))
        await u.mentors.approve(admin, mentor.id)
    [(config, pending)] = await core.announcements.pending()
    assert config.guild_id == 7 and pending == ["111"]
    assert await core.announcements.claim(7, "111")
    assert not await core.announcements.claim(7, "111")  # a second poll or process
    assert await core.announcements.pending() == [(config, [])]
    await core.announcements.release(7, "111")  # Discord failed for now: try again later
    assert (await core.announcements.pending())[0][1] == ["111"]
    assert await core.announcements.claim(7, "111")
    await core.announcements.record(7, "111", "announced")
    await core.announcements.release(7, "111")  # only a claim is ever given back
    assert (await core.announcements.pending())[0][1] == []


async def test_who_gives_the_name_the_person_gave_and_their_admin_flag(core: CoreApp) -> None:
    """The web chat's header shows this, not the platform's guest name (issue #22 item 14)."""
    guest = Actor("console", "console", "bharat", "Guest 8006")
    assert await core.who(guest) is None  # never wrote: nothing to show but the guest name
    c = ChatDriver(core, "bharat")
    c.actor = guest
    await c.say("/start")
    await c.press("Learn")
    await c.say("Bharat Kumar")
    who = await core.who(guest)
    assert who is not None and who.name == "Bharat Kumar" and not who.is_admin
    admin = ChatDriver(core, "admin")
    await admin.say("/start")
    admin_who = await core.who(admin.actor)
    assert admin_who is not None and admin_who.is_admin
