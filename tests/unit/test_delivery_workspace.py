"""A whole workspace marked unreachable (Slack app_uninstalled with one bot token)."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.db.schema import Account
from core.messaging import Actor, CommandIn


async def test_every_account_of_that_workspace_and_only_those_is_held(core: CoreApp) -> None:
    for team, user in (("T1", "UA"), ("T1", "UB"), ("T2", "UC")):
        await core.handle(Actor("slack", team, user, user), CommandIn("help"))
    await core.handle(Actor("console", "T1", "UA", "ua"), CommandIn("help"))

    assert await core.delivery.mark_workspace_unreachable("slack", "T1") == 2
    assert await core.delivery.mark_workspace_unreachable("slack", "T1") == 0  # already held
    async with core.db.transaction() as s:
        rows = (
            await s.execute(select(Account.platform, Account.workspace, Account.unreachable))
        ).all()
    held = {(p, w) for p, w, gone in rows if gone}
    assert held == {("slack", "T1")}
    assert sorted((p, w) for p, w, gone in rows if not gone) == [("console", "T1"), ("slack", "T2")]

    # Writing again clears the mark for that person (Identity.resolve), as for one account.
    await core.handle(Actor("slack", "T1", "UA", "UA"), CommandIn("help"))
    async with core.db.transaction() as s:
        back = await s.scalar(
            select(Account).where(Account.external_id == "UA", Account.platform == "slack")
        )
    assert back is not None and not back.unreachable
