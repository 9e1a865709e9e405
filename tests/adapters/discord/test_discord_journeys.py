"""The real discord.py client against a fake Discord REST API and gateway."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from tests.adapters.discord.driver import DiscordUser
from tests.adapters.discord.fake_discord import FakeDiscord
from tests.support import answer_age


async def test_slash_help_is_deferred_ephemeral_in_a_guild(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    ana = DiscordUser(server, fake_discord, "500000000000000001", "Ana")
    await ana.slash("help")
    assert "MentorBot" in ana.text() and "/mentor find" in ana.text()
    assert all(f == 64 for f in ana.flags())
    callbacks = [s for s in fake_discord.sent if s.kind == "callback"]
    assert callbacks[0].body["type"] == 5  # deferred: "thinking…", answered by follow-ups


async def test_onboarding_with_buttons_in_the_guild_and_typed_answers_in_dms(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    ravi = DiscordUser(server, fake_discord, "500000000000000002", "Ravi")
    await ravi.slash("menu")
    assert "What would you like to do?" in ravi.text()
    await ravi.press("Set up my profile")
    assert "What would you like to do?" in ravi.text()
    await ravi.press("Learn")
    assert "call you" in ravi.text()
    # The clicked message lost its buttons and shows the choice (the ack, type 7).
    update = [s for s in fake_discord.sent if s.kind == "callback"][-1]
    assert update.body["type"] == 7 and update.body["data"]["components"] == []
    await ravi.say("Ravi Kumar")
    await answer_age(ravi, "I'm 22")  # typed: the buttons are in the DM
    await ravi.say("pyhton, DSA")
    assert "“pyhton” → **Python**" in ravi.text()
    await ravi.press("Beginner", guild=False)
    await ravi.say("Crack a product-company interview")
    await ravi.say("English, Hindi")
    await ravi.say("Bangalore")
    assert "Asia/Kolkata" in ravi.text()
    await ravi.press("Skip for now", guild=False)
    assert "All set" in ravi.text()
    await ravi.slash("profile")
    assert "Ravi Kumar" in ravi.text() and "Python" in ravi.text()
    await ravi.slash("wallet")
    assert "Your wallet" in ravi.text() and "Credits" in ravi.text()


async def test_find_autocomplete_suggests_skills(
    server: TestServer, fake_discord: FakeDiscord
) -> None:
    uid = "500000000000000004"
    fake_discord.add_user(uid, "Ivy")
    for typed, check in (("reac", lambda n: n[0]["name"].startswith("React")), ("", bool)):
        token = await fake_discord.slash(uid, "find", {"query": typed}, kind=4)
        await fake_discord.wait_for(lambda t=token: any(s.where == t for s in fake_discord.sent))
        answer = next(s for s in fake_discord.sent if s.where == token)
        assert answer.type == 8  # autocomplete result
        choices = answer.body["data"]["choices"]
        assert check(choices) and len(choices) <= 25


async def test_plain_words_in_a_dm(server: TestServer, fake_discord: FakeDiscord) -> None:
    """Issue #26 over discord.py: a newcomer's first DMs read for what they mean."""
    mira = DiscordUser(server, fake_discord, "500000000000000009", "Mira")
    await mira.say("how much does a session cost?")
    assert "₹100" in mira.text() and "70/30" in mira.text()
    await mira.say("I want to learn python")
    assert "Python" in mira.text() and "Please choose" not in mira.text()
    await mira.say("cancle")
    assert "Cancelled" in mira.text()
