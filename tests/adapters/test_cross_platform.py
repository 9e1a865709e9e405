"""Notifications reach each person on their primary account: Slack mentor, Discord admin,
and a Discord learner who books the Slack mentor (request, accept, confirm, reminders)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer

from core.clock import ManualClock
from mentorbot.app import CORE
from mentorbot.settings import Settings
from tests.adapters.discord.conftest import start_server
from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import FakeDiscord, Sent
from tests.adapters.slack.driver import SECRET, SlackUser
from tests.adapters.slack.fake_slack import FakeSlack, Posted
from tests.adapters.slack.test_slack_admin import apply_in_slack, status_of
from tests.support import answer_age

ADMIN = "500000000000000009"
LEARNER = "500000000000000010"
START = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)  # Monday, 11:30 in India


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
async def both(
    tmp_path: Path, clock: ManualClock
) -> AsyncIterator[tuple[TestServer, FakeSlack, FakeDiscord]]:
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
        tick_seconds=0,  # the journey moves the clock and ticks by hand
        match_model="hashing",  # the real recommender behind /find, with a small embedder
    )
    server = await start_server(settings, clock)
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
    assert "/mentor admin" in admin.text()

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


async def approve_on_discord(admin: DiscordUser, discord: FakeDiscord, name: str) -> None:
    dm = discord._dm_for(admin.uid)
    await discord.wait_for(
        lambda: any(s.where == dm and "New mentor application" in s.content for s in discord.sent)
    )
    note = next(s for s in discord.sent if s.where == dm and name in s.content)
    await admin.press("Approve", where=[note], guild=False)
    assert f"Approved {name}" in admin.text()


def slack_has(slack: FakeSlack, channel: str, text: str) -> list[Posted]:
    return [p for p in slack.in_channel(channel) if text in p.text]


def discord_has(discord: FakeDiscord, channel: str, text: str) -> list[Sent]:
    return [s for s in discord.sent if s.where == channel and text in s.content]


async def test_discord_learner_books_a_slack_mentor_and_both_are_reminded_where_they_are(
    both: tuple[TestServer, FakeSlack, FakeDiscord], clock: ManualClock
) -> None:
    server, slack, discord = both
    core = server.app[CORE]
    admin = DiscordUser(server, discord, ADMIN, "Dee Admin")
    await admin.slash("help")  # the admin's account exists, so applications reach it

    # The mentor lives in Slack: applies there (free sessions), approved by the Discord admin.
    meera = SlackUser(server, slack, "UMEERA", "Meera Iyer")
    await apply_in_slack(meera, price="Free")
    await approve_on_discord(admin, discord, "Meera Iyer")
    assert await status_of(server, "UMEERA") == ("approved", "slack:T1")

    # The learner lives in Discord: onboards with buttons in the guild, typed answers in DMs.
    bharat = DiscordUser(server, discord, LEARNER, "Bharat Rao")
    learner_dm = discord._dm_for(LEARNER)
    await bharat.slash("menu")
    await bharat.press("Set up my profile")
    await bharat.press("Learn")
    await bharat.say("Bharat Rao")
    await answer_age(bharat)
    await bharat.say("kubernetes")
    await bharat.press("Beginner", guild=False)
    await bharat.say("Deploy my first app")
    await bharat.say("English")
    await bharat.say("Mumbai")
    assert "Asia/Kolkata" in bharat.text()
    await bharat.press("Skip for now", guild=False)
    assert "All set" in bharat.text()

    # Finds her, opens the profile and books Tuesday 18:00 in his zone (12:30 UTC).
    await bharat.slash("find", query="kubernetes")
    await bharat.press("Meera")
    await bharat.press("Book a session")
    await bharat.press("10 min")
    await bharat.press("Tue 24 Nov")
    await bharat.press("18:00")
    await bharat.say("Helm chart won't install")
    assert "Book Meera Iyer" in bharat.text() and "free" in bharat.text().casefold()
    await bharat.press("Send request", guild=False)
    assert "Request sent to **Meera Iyer**" in bharat.text()

    # The request reaches the mentor in Slack, with Accept/Decline; she accepts there.
    requests = slack_has(slack, "DUMEERA", "Session request")
    assert len(requests) == 1 and "Bharat Rao" in requests[0].text
    assert "18:00" in requests[0].text  # her zone is India too
    await meera.press("Accept", requests)
    confirmed_slack = slack_has(slack, "DUMEERA", "Confirmed")
    await discord.wait_for(lambda: bool(discord_has(discord, learner_dm, "Confirmed")))
    confirmed_discord = discord_has(discord, learner_dm, "Confirmed")
    assert len(confirmed_slack) == 1 and "Bharat Rao" in confirmed_slack[0].text
    assert len(confirmed_discord) == 1 and "Meera Iyer" in confirmed_discord[0].content
    # The join link is a URL button in both (Slack: a button with url; Discord: style 5).
    slack_links = [
        e["url"]
        for b in confirmed_slack[0].blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if "url" in e
    ]
    discord_links = [
        c["url"]
        for row in confirmed_discord[0].components
        for c in row["components"]
        if c.get("style") == 5
    ]
    assert len(slack_links) == 1 and "/room/" in slack_links[0]
    assert len(discord_links) == 1 and "/room/" in discord_links[0]
    assert slack_links != discord_links  # each person's own signed room link
    # The calendar file is attached in Discord (multipart upload), not just named.
    [(name, _, ics)] = confirmed_discord[0].files
    assert name == "mentorbot-session-1.ics" and b"BEGIN:VCALENDAR" in ics
    assert b"Meera Iyer" in ics and b"20261124T123000Z" in ics
    assert "not attached" not in confirmed_discord[0].content
    # ...and in Slack (files.getUploadURLExternal → upload → completeUploadExternal in her DM).
    [upload] = slack.files_in("DUMEERA")
    assert upload.filename == "mentorbot-session-1.ics" and b"BEGIN:VCALENDAR" in upload.data
    assert b"Bharat Rao" in upload.data and b"20261124T123000Z" in upload.data
    assert not any(
        "not attached" in e.get("text", "")
        for b in confirmed_slack[0].blocks
        for e in b.get("elements", [])
    )
    # Nothing about the booking went to the wrong platform.
    assert not discord_has(discord, discord._dm_for("UMEERA"), "Confirmed")
    assert all(p.channel == "DUMEERA" for p in slack.posted if "Confirmed" in p.text)

    # Each sees the session under /mentor sessions on their own platform.
    await meera.command("sessions")
    assert "Bharat Rao" in meera.text() and "Tue 24 Nov" in meera.text()
    await bharat.slash("sessions")
    assert "Meera Iyer" in bharat.text() and "Tue 24 Nov" in bharat.text()
    # Her Slack App Home lists it under upcoming sessions, next to her wallet.
    home = await meera.open_home()
    sections = [b["text"]["text"] for b in home.blocks if b["type"] == "section"]
    [upcoming] = [t for t in sections if t.startswith("*Upcoming sessions*")]
    assert "Bharat Rao" in upcoming and "Tue 24 Nov" in upcoming and "confirmed" in upcoming
    assert any(t.startswith("*Wallet*") and "Credits:" in t for t in sections)

    # Time passes: the 24 h reminder, then the 15-min one, each once, each where they are.
    assert (await core.tick()).reminded == 0  # Monday 06:00 UTC: more than 24 h ahead
    clock.advance(timedelta(hours=6, minutes=31))  # Monday 12:31 UTC
    assert (await core.tick()).reminded == 1
    assert (await core.tick()).reminded == 0
    clock.advance(timedelta(hours=23, minutes=45))  # Tuesday 12:16 UTC, 14 min before
    assert (await core.tick()).reminded == 1
    assert (await core.tick()).reminded == 0
    for lead in ("starts within 24 h", "starts in 15 min or less"):
        in_slack = slack_has(slack, "DUMEERA", lead)
        in_discord = discord_has(discord, learner_dm, lead)
        assert len(in_slack) == 1 and "Bharat Rao" in in_slack[0].text, lead
        assert len(in_discord) == 1 and "Meera Iyer" in in_discord[0].content, lead
        assert len([p for p in slack.posted if lead in p.text]) == 1
        assert len([s for s in discord.sent if lead in s.content]) == 1
