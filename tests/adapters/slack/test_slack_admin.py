"""Admin approval in Slack, and a Slack mentor told about a decision made in the web chat."""

from __future__ import annotations

from aiohttp.test_utils import TestServer
from sqlalchemy import select

from bots.web.identity import login_token
from core.db.schema import Account, MentorProfile, User
from mentorbot.app import CORE
from mentorbot.settings import Settings
from tests.adapters.slack.driver import SlackUser
from tests.adapters.slack.fake_slack import FakeSlack
from tests.e2e.webclient import WebChatClient
from tests.support import answer_age


async def apply_in_slack(user: SlackUser, price: str = "₹100") -> None:
    await user.say("hello")
    await user.press("Mentor")
    await user.press("Keep")
    await answer_age(user)
    await user.say("Kubernets: advanced, Docker")
    if "level" in user.text():
        await user.press("Advanced")
    await user.say("English, Hindi")
    await user.say("Pune")
    await user.press("Weekday evenings")
    await user.say("SRE at Acme · Kubernetes and Docker")
    await user.say("I run production clusters and love helping people debug deployments.")
    await user.say("6")
    await user.press(price)
    await user.press("10, 20")
    await user.press("Skip")
    assert "with the admins" in user.text(), user.text()


async def status_of(server: TestServer, external_id: str) -> tuple[str, str]:
    async with server.app[CORE].db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == external_id))
        assert acc is not None
        user = await s.get(User, acc.user_id)
        profile = await s.get(MentorProfile, acc.user_id)
        assert user is not None and profile is not None
        primary = await s.get(Account, user.primary_account_id)
        assert primary is not None
        return profile.status, f"{primary.platform}:{primary.workspace}"


async def test_admin_approves_from_slack(server: TestServer, fake_slack: FakeSlack) -> None:
    admin = SlackUser(server, fake_slack, "UADMIN", "Ada Admin")
    await admin.command("help")
    assert "/mentor admin" in admin.text()
    anita = SlackUser(server, fake_slack, "UANITA", "Anita Desai")
    await apply_in_slack(anita)
    # The application reached the admin's DM through the Slack channel of the outbox.
    notes = [p for p in fake_slack.in_channel("DUADMIN") if "New mentor application" in p.text]
    assert len(notes) == 1 and "Anita Desai" in notes[0].text
    assert "Kubernetes" in notes[0].text
    await admin.press("Approve", [notes[0]])
    assert "Approved Anita Desai" in admin.text()
    assert await status_of(server, "UANITA") == ("approved", "slack:T1")
    told = fake_slack.in_channel("DUANITA")[-1]
    assert "approved" in told.text
    # Admin subcommands work from the slash command too.
    await admin.command("admin pending")
    assert "Anita" not in admin.text()


async def test_web_admin_decision_reaches_a_slack_mentor(
    server: TestServer, fake_slack: FakeSlack, settings: Settings
) -> None:
    base = str(server.make_url("")).rstrip("/")
    web_admin = WebChatClient(base)
    try:
        await web_admin.open(f"/login?token={login_token(settings.secret(), 'admin')}")
        vik = SlackUser(server, fake_slack, "UVIK", "Vikram Shah")
        await apply_in_slack(vik)
        note = await web_admin.ws.receive_json(timeout=10)  # type: ignore[union-attr]
        assert "New mentor application" in note["text"] and "Vikram Shah" in note["text"]
        web_admin.last = [note]
        await web_admin.press("Approve")
        assert "Approved Vikram Shah" in web_admin.text()
    finally:
        await web_admin.close()
    # The notification went out over Slack's Web API to the mentor's DM.
    told = fake_slack.in_channel("DUVIK")[-1]
    assert "approved" in told.text
    assert any(b["type"] == "actions" for b in told.blocks)  # "See my public profile"
    assert await status_of(server, "UVIK") == ("approved", "slack:T1")
