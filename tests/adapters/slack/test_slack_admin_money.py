"""A dispute split and a refund decided in Slack (`/mentor admin …`), the whole app over
signed Slack requests to the local fake; the ledger balances."""

from __future__ import annotations

from aiohttp.test_utils import TestServer

from core.app import CoreApp
from mentorbot.app import CORE
from payments.sandbox import SandboxGateway
from tests.adapters.slack.driver import SlackUser
from tests.adapters.slack.fake_slack import FakeSlack
from tests.admin_support import complete, sandbox_pay, session, status_of
from tests.money_support import invariants


async def test_split_and_refund_from_slack(server: TestServer, fake_slack: FakeSlack) -> None:
    core: CoreApp = server.app[CORE]
    gw = core.deps.gateway
    assert isinstance(gw, SandboxGateway)
    disputed = await session(core, sandbox_pay(core))
    admin = SlackUser(server, fake_slack, "UADMIN", "Ada Admin")
    await admin.command("admin disputes")
    assert f"Dispute: session #{disputed.booking_id}" in admin.text()
    await admin.press("Split")
    await admin.say("30%")
    await admin.say("The call dropped halfway")
    assert "₹30 goes back to the learner" in admin.text()
    assert await status_of(core, disputed.booking_id) == "completed"
    held = await session(core, sandbox_pay(core), report=None, hours_ago=3)
    await complete(core, held.booking_id)
    await admin.command(f"admin refund {held.booking_id} 10 Late start")
    assert f"Refunded ₹10 for session #{held.booking_id}" in admin.text()
    assert sorted(a for _i, _p, a in gw.refunds.values()) == [1000, 3000]
    assert await invariants(core.db) == []

    mallory = SlackUser(server, fake_slack, "UMAL", "Mallory")
    await mallory.command(f"admin refund {held.booking_id} 10 Late start")
    assert "Only admins" in mallory.text()
    assert len(gw.refunds) == 2
