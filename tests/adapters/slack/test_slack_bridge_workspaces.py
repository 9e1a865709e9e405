"""Several workspaces (OAuth installs): each linked channel's copies are posted with the bot
token of its own workspace, and a workspace that uninstalled the app stops being relayed to
(the fake accepts only the tokens it issued, and records whose token each call carried)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import text

from bots.slack.setup import SLACKBOT
from core.messaging import Actor, CommandIn, ConversationKey
from core.ports import ChatRef
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.adapters.slack.driver import SECRET
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.test_slack_oauth import install
from tests.unit.test_communities import admin_creates


@pytest.fixture
def settings(tmp_path: Path, fake_slack: FakeSlack) -> Settings:
    fake_slack.issued_only = True
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/slack.db",
        data_dir=tmp_path,
        secret_key="slack-bridge-oauth",  # type: ignore[arg-type]
        public_url="https://mentorbot.example",
        admins=["console:admin", "slack:T1:UADMIN", "slack:T2:UADMIN2"],
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_client_id=fake_slack.client_id,
        slack_client_secret=fake_slack.client_secret,  # type: ignore[arg-type]
        slack_api_url=fake_slack.url,
        tick_seconds=0,
        match_model="none",
    )


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


async def test_each_workspace_gets_its_copies_with_its_own_token(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    core = server.app[CORE]
    token1 = await install(server, fake_slack, "T1")
    token2 = await install(server, fake_slack, "T2")
    assert token1 != token2
    code = await admin_creates(core, "Python Learners", "Python", "public")
    for team, admin, channel in (("T1", "UADMIN", "C1"), ("T2", "UADMIN2", "C2")):
        fake_slack.add_channel(channel)
        actor = Actor("slack", team, admin, "Admin")
        key = ConversationKey("slack", team, channel, admin)
        [said] = await core.handle(actor, CommandIn("community", f"link {code}"), key)
        assert "Linked to Python Learners" in said.text
    assert await core.relay_said(
        Actor("slack", "T1", "URAVI", "Ravi"), ChatRef("slack", "T1", "C1"), "1.0001", "hi T2"
    )
    await core.relay.drain()
    [copy] = fake_slack.live("C2")
    assert copy.team == "T2" and "hi T2" in copy.text
    assert fake_slack.live("C1") == []  # never echoed back
    # T2 uninstalls (its token is gone from the store): its channel stops being relayed to.
    async with core.db.transaction() as s:
        await s.execute(text("DELETE FROM slack_bots WHERE team_id = 'T2'"))
        await s.execute(text("DELETE FROM slack_installations WHERE team_id = 'T2'"))
    assert await core.relay_said(
        Actor("slack", "T1", "URAVI", "Ravi"), ChatRef("slack", "T1", "C1"), "1.0002", "again"
    )
    await core.relay.drain()
    assert len(fake_slack.live("C2")) == 1
    assert not await core.is_linked(ChatRef("slack", "T2", "C2"))
    await server.app[SLACKBOT].settle()
