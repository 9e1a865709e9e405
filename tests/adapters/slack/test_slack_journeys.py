"""The real bolt app behind the real aiohttp app, signed requests, a fake Slack Web API."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from bots.slack.render import check_blocks
from tests.adapters.slack.driver import SlackUser
from tests.adapters.slack.fake_slack import FakeSlack
from tests.support import answer_age


async def test_onboarding_in_the_dm_with_a_misspelt_skill(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    asha = SlackUser(server, fake_slack, "UASHA", "Asha Rao")
    await asha.say("hi")
    assert "What would you like to do?" in asha.text()
    await asha.press("Learn")
    assert "call you" in asha.text()
    await asha.press("Keep")
    await answer_age(asha)
    await asha.say("pyhton, DSA")
    assert "“pyhton” → *Python*" in asha.text()
    await asha.press("Beginner")
    await asha.say("Crack a product-company interview")
    await asha.say("English, Hindi")
    await asha.say("Bangalore")
    assert "Asia/Kolkata" in asha.text()
    await asha.press("Skip for now")
    assert "All set" in asha.text()
    # Everything went to the DM opened with conversations.open, as valid Block Kit.
    assert "conversations.open" in fake_slack.methods()
    posts = fake_slack.in_channel("DUASHA")
    assert posts and all(check_blocks(p.blocks) == [] for p in posts)
    # An answered question loses its buttons and shows the choice instead.
    answered = [p for p in posts if p.updates]
    assert answered and all(
        not any(b["type"] == "actions" for b in p.updates[-1]) for p in answered
    )

    await asha.command("profile")
    assert "Asha Rao" in asha.text() and "Python" in asha.text()
    await asha.command("wallet")
    assert "Your wallet" in asha.text() and "Credits" in asha.text()


async def test_plain_words_in_the_dm(server: TestServer, fake_slack: FakeSlack) -> None:
    """Issue #26 over slack-bolt: a newcomer's first messages read for what they mean."""
    neel = SlackUser(server, fake_slack, "UNEEL", "Neel")
    await neel.say("is it free?")
    assert "Using MentorBot is free" in neel.text()
    await neel.say("I can teach React")
    assert "call you" in neel.text()
    await neel.say("start over")
    assert "Starting setting up your profile again" in neel.text()
