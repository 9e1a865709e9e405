"""Several workspaces: bolt's OAuth install flow, its stores in MentorBot's database, and
every call made with the bot token of the workspace it is for (the fake checks)."""

from __future__ import annotations

import json
import time
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from sqlalchemy import select, text

from bots.slack.oauth import SCOPES
from bots.slack.paths import INSTALL_PATH, REDIRECT_PATH
from bots.slack.setup import SLACKBOT
from core.db.schema import Account
from core.messaging import Reply
from core.ports import Destination
from mentorbot.app import CORE, SETTINGS
from mentorbot.settings import Settings
from tests.adapters.slack.driver import SECRET, SlackUser, command_body, post_signed
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.test_slack_admin import apply_in_slack

COOKIE = "slack-app-oauth-state"
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def settings(tmp_path: Path, fake_slack: FakeSlack) -> Settings:
    fake_slack.issued_only = True  # only tokens handed out by oauth.v2.access are valid
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp_path}/slack.db",
        data_dir=tmp_path,
        secret_key="slack-oauth",  # type: ignore[arg-type]
        public_url="https://mentorbot.example",
        admins=["slack:T1:UADMIN"],
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_client_id=fake_slack.client_id,
        slack_client_secret=fake_slack.client_secret,  # type: ignore[arg-type]
        slack_api_url=fake_slack.url,
        tick_seconds=0,
    )


async def get(
    server: TestServer, path: str, cookie: str | None = None
) -> tuple[int, dict[str, str], str]:
    headers = {"Cookie": cookie} if cookie else {}
    async with (
        aiohttp.ClientSession() as http,
        http.get(server.make_url(path), allow_redirects=False, headers=headers) as resp,
    ):
        return resp.status, dict(resp.headers), await resp.text()


async def start_install(server: TestServer) -> tuple[str, dict[str, list[str]], str]:
    """GET the install path: Slack's authorize URL, its query, and the state cookie's value."""
    status, headers, _ = await get(server, INSTALL_PATH)
    assert status == 302
    location = headers["Location"]
    cookie = SimpleCookie(headers["Set-Cookie"])
    return location, parse_qs(urlsplit(location).query), cookie[COOKIE].value


async def install(server: TestServer, fake: FakeSlack, team: str) -> str:
    """The whole flow for one workspace; returns the bot token Slack issued for it."""
    _, query, cookie_state = await start_install(server)
    state = query["state"][0]
    assert cookie_state == state
    code = fake.approve(team)
    path = f"{REDIRECT_PATH}?{urlencode({'code': code, 'state': state})}"
    status, _, _ = await get(server, path, cookie=f"{COOKIE}={cookie_state}")
    assert status == 200
    return fake.token_of(team)


async def bots_in_db(server: TestServer) -> list[tuple[str, str, str]]:
    """The stored installations, tokens opened: at rest they are sealed (Fernet, issue 18)."""
    box = server.app[SETTINGS].data_box()
    async with server.app[CORE].db.transaction() as s:
        rows = await s.execute(
            text("SELECT team_id, bot_user_id, bot_token FROM slack_bots ORDER BY id")
        )
        found = []
        for team, user, token in rows:
            assert box.sealed(token), "a bot token stored in the clear"
            found.append((team, user, box.open(token) or ""))
        return found


async def test_install_redirects_to_slack_and_the_redirect_stores_the_installation(
    server: TestServer, fake_slack: FakeSlack, settings: Settings
) -> None:
    location, query, state = await start_install(server)
    assert location.startswith("https://slack.com/oauth/v2/authorize?")
    assert query["client_id"] == [fake_slack.client_id]
    assert set(query["scope"][0].split(",")) == set(SCOPES)
    assert query["redirect_uri"] == ["https://mentorbot.example" + REDIRECT_PATH]
    assert query["state"] == [state] and state
    async with server.app[CORE].db.transaction() as s:
        states = list(await s.scalars(text("SELECT state FROM slack_oauth_states")))
    assert states == [state]  # the state lives in MentorBot's database

    code = fake_slack.approve("T2", "Beta Corp")
    path = f"{REDIRECT_PATH}?{urlencode({'code': code, 'state': state})}"
    status, _, body = await get(server, path, cookie=f"{COOKIE}={state}")
    assert status == 200, body
    [exchange] = [c for c in fake_slack.calls if c.method == "oauth.v2.access"]
    assert exchange.params["code"] == code and exchange.team == "T2"
    token = fake_slack.token_of("T2")
    assert await bots_in_db(server) == [("T2", "UBOTT2", token)]
    bot = await server.app[SLACKBOT].installations.async_find_bot(  # type: ignore[union-attr]
        enterprise_id=None, team_id="T2"
    )
    assert bot is not None and bot.bot_token == token and bot.bot_id == "BBOTT2"
    # The state was used up: the same redirect again is refused.
    again, _, _ = await get(server, path, cookie=f"{COOKIE}={state}")
    assert again == 401


async def test_a_bad_or_missing_state_is_refused(server: TestServer, fake_slack: FakeSlack) -> None:
    _, query, state = await start_install(server)
    code = fake_slack.approve("T2")
    forged = {"code": code, "state": "forged-state"}
    status_forged, _, _ = await get(
        server, f"{REDIRECT_PATH}?{urlencode(forged)}", cookie=f"{COOKIE}=forged-state"
    )
    status_missing, _, _ = await get(
        server, f"{REDIRECT_PATH}?{urlencode({'code': code})}", cookie=f"{COOKIE}={state}"
    )
    # The right state, but not from the browser that started the install (no cookie).
    no_cookie = {"code": code, "state": query["state"][0]}
    status_no_cookie, _, _ = await get(server, f"{REDIRECT_PATH}?{urlencode(no_cookie)}")
    assert (status_forged, status_missing, status_no_cookie) == (401, 400, 400)
    assert not [c for c in fake_slack.calls if c.method == "oauth.v2.access"]
    assert code in fake_slack.codes  # never exchanged
    assert await bots_in_db(server) == []


async def test_each_workspace_is_answered_with_its_own_token(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    token_1 = await install(server, fake_slack, "T1")
    token_2 = await install(server, fake_slack, "T2")
    assert token_1 != token_2
    ada = SlackUser(server, fake_slack, "UADMIN", "Ada Admin", team="T1")
    bea = SlackUser(server, fake_slack, "UBEA", "Bea Rao", team="T2")
    await ada.command("help")
    await bea.command("help")
    assert "MentorBot" in ada.text() and "MentorBot" in bea.text()
    assert {p.team for p in fake_slack.in_channel("DUADMIN")} == {"T1"}
    assert {p.team for p in fake_slack.in_channel("DUBEA")} == {"T2"}
    assert all(c.status == 200 for c in fake_slack.calls)

    # A notification from core to a person in T2 (the admin's decision in T1) uses T2's token.
    await apply_in_slack(bea)
    notes = [p for p in fake_slack.in_channel("DUADMIN") if "New mentor application" in p.text]
    assert len(notes) == 1 and notes[0].team == "T1"
    before = len(fake_slack.in_channel("DUBEA"))
    await ada.press("Approve", [notes[0]])
    assert "Approved Bea Rao" in ada.text()
    told = fake_slack.in_channel("DUBEA")[before:]
    assert told and "approved" in told[-1].text and told[-1].team == "T2"
    posts = [c for c in fake_slack.calls if c.status == 200 and c.method == "chat.postMessage"]
    assert {c.team for c in posts if c.params["channel"] == "DUBEA"} == {"T2"}


async def test_a_workspace_that_never_installed_gets_nothing(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    await install(server, fake_slack, "T1")
    fake_slack.members["USTR"] = "T9"
    body = command_body(
        "T9", "USTR", "stranger", "help", response_url=f"{fake_slack.base}/response"
    )
    status, _ = await post_signed(server, body, FORM)
    await server.app[SLACKBOT].settle()
    assert status == 200
    # bolt answers through the command's response_url that the app isn't installed there.
    assert len(fake_slack.responses) == 1 and "install" in fake_slack.responses[0]["text"]
    assert fake_slack.in_channel("DUSTR") == []
    assert not [c for c in fake_slack.calls if c.team == "T9"]


async def test_an_uninstalled_workspace_is_marked_unreachable_not_retried(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    await install(server, fake_slack, "T3")
    cy = SlackUser(server, fake_slack, "UCY", "Cy", team="T3")
    await cy.command("help")
    assert cy.text()
    # Slack tells the app it was uninstalled: bolt deletes the workspace's installation.
    body = json.dumps(
        {
            "token": "legacy-unused",
            "team_id": "T3",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": "Ev-uninstall-1",
            "event_time": int(time.time()),
            "event": {"type": "app_uninstalled"},
        }
    )
    status, _ = await post_signed(server, body, "application/json")
    assert status == 200
    await server.app[SLACKBOT].settle()
    assert await bots_in_db(server) == []

    async with server.app[CORE].db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == "UCY"))
        assert acc is not None and not acc.unreachable
    calls = len(fake_slack.calls)
    to = Destination(acc.id, "slack", "T3", "UCY")
    assert await server.app[SLACKBOT].deliver(to, [Reply("Your session starts soon")]) is False
    assert len(fake_slack.calls) == calls  # no token: nothing was sent
    async with server.app[CORE].db.transaction() as s:
        again = await s.get(Account, acc.id)
        assert again is not None and again.unreachable  # the outbox stops retrying it


async def test_a_revoked_token_marks_the_account_unreachable(
    server: TestServer, fake_slack: FakeSlack
) -> None:
    # The workspace deactivated the app before its app_uninstalled event arrived.
    await install(server, fake_slack, "T4")
    dee = SlackUser(server, fake_slack, "UDEE", "Dee", team="T4")
    await dee.command("help")
    async with server.app[CORE].db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == "UDEE"))
    assert acc is not None
    fake_slack.errors["chat.postMessage"] = "account_inactive"
    to = Destination(acc.id, "slack", "T4", "UDEE")
    assert await server.app[SLACKBOT].deliver(to, [Reply("Reminder")]) is False
    async with server.app[CORE].db.transaction() as s:
        again = await s.get(Account, acc.id)
        assert again is not None and again.unreachable
