"""Native report and delete on Slack and Discord (issue #15 item 4): a 🚩 reaction on any message
of a linked channel (a person's original or a relayed copy) files a report in the moderation
queue; a moderator's 🗑️ deletes the message everywhere, anyone else's is refused with a note
only they see; Discord's Apps → "Report message" files a report too. The real slack-bolt and
discord.py stacks against the fakes, in the four-platform app of test_community_bridge."""

from __future__ import annotations

from typing import Any

import pytest

from bots.discord import inbound as ib
from bots.discord.bot import INTENTS
from bots.discord.commands import declared
from bots.discord.setup import DISCORDBOT
from core.app import CoreApp
from tests.adapters import test_community_bridge as bridge
from tests.adapters.discord.fake_discord import (
    GUILD_MESSAGE_REACTIONS,
    MANAGE_MESSAGES,
    FakeDiscord,
    Unregistered,
    _invalid_commands,
)
from tests.adapters.slack.driver import JSON_TYPE, channel_body, deliver
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.test_community_bridge import (
    ASHA,
    DC_ADMIN,
    OM,
    SL_CHANNEL,
    Four,
    discord_copies,
    slack_copies,
    tg_copies,
)
from tests.support import ChatDriver

# The four-platform app of test_community_bridge, linked on every platform.
clock, fakes, four = bridge.clock, bridge.fakes, bridge.four

FLAG, BIN = "\U0001f6a9", "\U0001f5d1\ufe0f"
LEE = "500000000000000077"  # a Discord member who moderates nothing


async def queue(core: CoreApp) -> str:
    """The moderation queue as the community's owner (the console admin) reads it."""
    owner = ChatDriver(core, "admin")
    await owner.say("/community queue")
    return owner.text()


async def slack_reaction(f: Four, event: dict[str, Any] | None) -> None:
    assert event is not None, "Slack sent no reaction_added"
    attempts = await deliver(f.srv, channel_body("T1", event), JSON_TYPE)
    assert [a.status for a in attempts] == [200]  # acked once, never retried
    await f.slackbot.settle()


async def discord_settle(f: Four) -> None:
    await f.srv.app[DISCORDBOT].settle()


def dms_to(fake: FakeDiscord, uid: str) -> list[str]:
    chans = {c for c, u in fake.dm_channels.items() if u == uid}
    return [s.content for s in fake.sent if s.kind == "channel" and s.where in chans]


async def test_a_flag_on_a_slack_copy_reports_it_and_a_moderator_s_wastebasket_deletes_everywhere(
    four: Four,
) -> None:
    f = four
    slack = f.fakes.slack
    await f.tg_user(OM, "Om").say("buy cheap followers at spam dot com")
    await f.relayed(
        lambda: bool(slack_copies(f, "followers")) and bool(discord_copies(f, "followers"))
    )
    [copy] = slack_copies(f, "followers")

    # Ravi flags the app's copy in Slack: a report, and a note only he sees.
    await slack_reaction(f, slack.user_reacts(copy, "URAVI", "triangular_flag_on_post"))
    assert "followers" in (q := await queue(f.core)) and "🚩 on Slack" in q, q
    [note] = slack.ephemerals
    assert note["user"] == "URAVI" and note["channel"] == SL_CHANNEL
    assert "moderators will look" in note["text"]
    # Flagging it again is one report, said so.
    await slack_reaction(f, slack.user_reacts(copy, "URAVI", "triangular_flag_on_post"))
    assert "reported that message already" in slack.ephemerals[-1]["text"]

    # Ravi's 🗑️ is refused (he moderates nothing): nothing is deleted anywhere.
    await slack_reaction(f, slack.user_reacts(copy, "URAVI", "wastebasket"))
    assert "Only the community's moderators" in slack.ephemerals[-1]["text"]
    await f.relayed(lambda: True, limit_s=1)
    assert slack_copies(f, "followers") and discord_copies(f, "followers")

    # Any other reaction is nobody's business.
    notes = len(slack.ephemerals)
    await slack_reaction(f, slack.user_reacts(copy, "URAVI", "thumbsup"))
    assert len(slack.ephemerals) == notes

    # The admin's 🗑️ on the Slack copy: the copies on Slack and Discord go, the report is
    # closed, and the admin is told nothing (the message going is the answer).
    await slack_reaction(f, slack.user_reacts(copy, "UADMIN", "wastebasket"))
    await f.relayed(lambda: not slack_copies(f, "followers") and not discord_copies(f, "followers"))
    assert copy.deleted and discord_copies(f, "followers") == []
    assert len(slack.ephemerals) == notes
    assert "No open reports" in await queue(f.core)
    assert slack.refused == []


async def test_a_flag_on_a_person_s_own_slack_message_reports_that_message(four: Four) -> None:
    f = four
    slack = f.fakes.slack
    await f.slack_event(slack.user_says(SL_CHANNEL, "URAVI", "rude words here"))
    await f.relayed(lambda: bool(tg_copies(f, "rude words")))
    [original] = [p for p in slack.live(SL_CHANNEL) if p.user == "URAVI"]
    await slack_reaction(f, slack.user_reacts(original, "UADMIN", "triangular_flag_on_post"))
    assert "rude words" in await queue(f.core)
    # A reaction on a message in a channel no community links: nothing at all.
    slack.add_channel("C9")
    await f.slack_event(slack.user_says("C9", "URAVI", "elsewhere"))
    [other] = slack.live("C9")
    notes = len(slack.ephemerals)
    await slack_reaction(f, slack.user_reacts(other, "URAVI", "triangular_flag_on_post"))
    assert len(slack.ephemerals) == notes


async def test_a_discord_flag_reports_a_wastebasket_by_a_member_is_refused_by_a_moderator_deletes(
    four: Four,
) -> None:
    f = four
    dc = f.fakes.discord
    dc.add_user(LEE, "Lee")
    assert dc.intents & GUILD_MESSAGE_REACTIONS  # the bot asked for reaction events
    mid = await dc.say(ASHA, "click my referral link")
    await f.relayed(lambda: bool(tg_copies(f, "referral")) and bool(slack_copies(f, "referral")))

    # Lee flags Asha's own message: a report, and Lee hears back in a DM.
    await dc.react(LEE, mid, FLAG)
    await dc.wait_for(lambda: bool(dms_to(dc, LEE)))  # the gateway event is on its way
    await discord_settle(f)
    assert "referral" in (q := await queue(f.core)) and "🚩 on Discord" in q, q
    await dc.wait_for(lambda: any("moderators will look" in t for t in dms_to(dc, LEE)))

    # Lee's 🗑️ is refused in a DM; everything stays.
    await dc.react(LEE, mid, BIN)
    await dc.wait_for(lambda: any("Only the community's moderators" in t for t in dms_to(dc, LEE)))
    await f.relayed(lambda: True, limit_s=1)
    assert mid in dc.messages and slack_copies(f, "referral")

    # 👍 means nothing to the bridge (a 🚩 after it is answered, the 👍 never).
    seen = len(dms_to(dc, LEE))
    await dc.react(LEE, mid, "\U0001f44d")
    await dc.react(LEE, mid, FLAG)
    await dc.wait_for(lambda: len(dms_to(dc, LEE)) > seen)
    await discord_settle(f)
    assert len(dms_to(dc, LEE)) == seen + 1 and "already" in dms_to(dc, LEE)[-1]

    # The Discord admin's 🗑️ (the emoji without its variation selector, as some clients
    # send it) on the original: every copy goes, and the original too (Manage Messages).
    dc.bot_permissions |= MANAGE_MESSAGES
    await dc.react(DC_ADMIN, mid, "\U0001f5d1")
    await f.relayed(lambda: mid not in dc.messages and not slack_copies(f, "referral"))
    assert [m.deleted for m in tg_copies(f, "referral")] == [True]
    assert dms_to(dc, DC_ADMIN) == []
    assert "No open reports" in await queue(f.core)


async def test_a_discord_wastebasket_on_a_relayed_copy_deletes_the_message_everywhere(
    four: Four,
) -> None:
    f = four
    dc = f.fakes.discord
    await f.slack_event(f.fakes.slack.user_says(SL_CHANNEL, "URAVI", "off topic rant"))
    await f.relayed(lambda: bool(discord_copies(f, "rant")) and bool(tg_copies(f, "rant")))
    [copy] = discord_copies(f, "rant")
    await dc.react(DC_ADMIN, copy["id"], BIN)
    await f.relayed(lambda: not discord_copies(f, "rant") and tg_copies(f, "rant")[0].deleted)
    # Ravi's original in Slack is his own (the app can't delete it: cant_delete_message),
    # the copies are gone.
    assert discord_copies(f, "rant") == [] and tg_copies(f, "rant")[0].deleted


async def test_report_message_context_menu_is_registered_and_files_a_report(four: Four) -> None:
    f = four
    dc = f.fakes.discord
    dc.add_user(LEE, "Lee")
    [menu] = [c for c in dc.commands.get(None, []) if c.get("type") == 3]
    assert menu["name"] == "Report message" and menu.get("contexts") == [0]
    await f.tg_user(OM, "Om").say("a message worth reporting")
    await f.relayed(lambda: bool(discord_copies(f, "worth reporting")))
    [copy] = discord_copies(f, "worth reporting")

    token = await dc.context_menu(LEE, "Report message", copy["id"])
    await dc.wait_for(lambda: any(s.where == token and s.kind == "followup" for s in dc.sent))
    await discord_settle(f)
    [ack] = [s for s in dc.sent if s.where == token and s.kind == "callback"]
    assert ack.type == 5  # deferred within Discord's 3 s
    [answer] = [s for s in dc.sent if s.where == token and s.kind == "followup"]
    assert "moderators will look" in answer.content
    assert int(answer.body.get("flags") or 0) & 64  # only Lee sees it
    assert "worth reporting" in await queue(f.core)
    assert dc.refused == []

    # On a message of a channel no community links, it says so.
    thread = dc.add_thread()
    other = await dc.say(LEE, "not bridged", channel=thread)
    token = await dc.context_menu(LEE, "Report message", other)
    await dc.wait_for(lambda: any(s.where == token and s.kind == "followup" for s in dc.sent))
    [answer] = [s for s in dc.sent if s.where == token and s.kind == "followup"]
    assert "isn't in a channel linked to a community" in answer.content


def test_the_fakes_refuse_what_the_services_refuse(fakes: Any) -> None:
    # Discord: a context menu with a description or options, a sixth message command.
    menu = {"name": "Report message", "type": 3}
    assert _invalid_commands([menu]) == {}
    assert _invalid_commands([{**menu, "description": "Report it"}])
    assert _invalid_commands([{**menu, "name": f"Menu {n}"} for n in range(6)])
    assert _invalid_commands([menu, dict(menu)])  # a duplicate of the same type
    assert INTENTS.guild_reactions  # the bot asks for reaction events
    # Slack sends reaction_added only to an app granted reactions:read.
    slack: FakeSlack = fakes.slack
    slack.granted = {"chat:write"}
    post = slack.posted[-1] if slack.posted else None
    if post is None:
        slack.user_says(SL_CHANNEL, "URAVI", "hi")
        post = slack.posted[-1]
    assert slack.user_reacts(post, "URAVI", "wastebasket") is None


async def test_a_context_menu_that_is_not_registered_is_not_offered(four: Four) -> None:
    dc = four.fakes.discord
    mid = await dc.say(ASHA, "hello")
    with pytest.raises(Unregistered):
        await dc.context_menu(ASHA, "Delete message", mid)
    assert [c["name"] for c in dc.commands[None] if c.get("type") == 3] == ["Report message"]


def test_a_forged_message_command_is_refused_in_words() -> None:
    schema = ib.schema_of(declared())
    good = {"name": "Report message", "type": 3, "target_id": "123"}
    assert ib.translate(2, good, schema) == ib.ReportMessage("123")
    for bad in (
        {**good, "name": "Delete message"},
        {**good, "target_id": "1; DROP"},
        {**good, "target_id": 5},
    ):
        assert isinstance(ib.translate(2, bad, schema), ib.Refused), bad
