"""`/admin reports` (issue 17): reported community messages from every community in one
queue, with dismiss, delete, warn, mute and suspend; admin-only; audited."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.clock import ManualClock
from core.db.moderation import CommunityReport, CommunitySanction
from core.db.relay import RelayMessage
from core.db.schema import AuditEntry
from core.messaging import ActionIn, Actor
from tests.relay_support import RecordingBridge
from tests.support import ChatDriver, find_button
from tests.unit.test_relay import TG, asha, bridged, settle

__all__ = ["bridged"]


async def _reported(core: CoreApp, clock: ManualClock, text: str, n: str) -> int:
    assert await core.relay_said(asha(), TG, n, text)
    await settle(core, clock)
    msg = [m for m in await core.room_history(1) if text in m.text][-1]
    async with core.uow() as u:
        ravi, _ = await u.identity.resolve(Actor("telegram", "telegram", "ravi", "Ravi"))
        row = await u.session.get(RelayMessage, msg.id)
        assert row is not None
        await u.moderation.report(ravi, row, "spam")
    return msg.id


async def test_the_queue_and_every_action(
    bridged: tuple[CoreApp, dict[str, RecordingBridge]], clock: ManualClock
) -> None:
    core, _b = bridged
    admin = ChatDriver(core, "admin")
    await admin.say("/admin reports")
    assert "No open reports" in admin.text()
    first = await _reported(core, clock, "buy cheap followers", "1")
    await admin.say("/admin reports")
    assert f"Reported message #{first}* in Python Learners by Asha" in admin.text()
    assert "1 report — “spam”" in admin.text() and "buy cheap followers" in admin.text()
    queue = admin.last
    await admin.press("Warn", queue)
    assert "Asha has been warned" in admin.text()
    await admin.press("Mute 24 h", queue)
    assert "Asha is muted for 1440 minutes" in admin.text()
    assert not await core.relay_said(asha(), TG, "2", "still here")
    await admin.press("Delete message", queue)
    assert "Deleted everywhere" in admin.text()
    await admin.say("/admin reports")
    assert "No open reports" in admin.text()

    async with core.uow() as u:  # lift the mute so Asha can write again
        for sanction in await u.session.scalars(select(CommunitySanction)):
            sanction.lifted_at = u.now
    second = await _reported(core, clock, "is this allowed?", "3")
    await admin.say("/admin reports")
    await admin.press("Dismiss")
    assert "Report dismissed" in admin.text()
    await admin.say("/admin reports")
    assert "No open reports" in admin.text()
    third = await _reported(core, clock, "more spam", "4")
    await admin.say("/admin reports")
    await admin.press("Suspend author")
    await admin.say("Spam after a warning and a mute")
    assert "Suspended Asha" in admin.text()

    async with core.db.transaction() as s:
        states = {r.message_id: r.state for r in await s.scalars(select(CommunityReport))}
        actions = [a.action for a in await s.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert states == {first: "removed", second: "dismissed", third: "open"}
    assert actions == [
        "report.warn",
        "report.mute",
        "report.delete",
        "report.dismiss",
        "user.suspend",
    ]


async def test_a_non_admin_is_refused_the_queue_and_its_buttons(
    bridged: tuple[CoreApp, dict[str, RecordingBridge]], clock: ManualClock
) -> None:
    core, _b = bridged
    await _reported(core, clock, "buy cheap followers", "1")
    admin = ChatDriver(core, "admin")
    await admin.say("/admin reports")
    queue = admin.last
    mallory = ChatDriver(core, "mallory")
    await mallory.say("/admin reports")
    assert "Only admins" in mallory.text()
    for label in ("Dismiss", "Delete message", "Warn", "Mute 24 h", "Suspend author"):
        await mallory.send(ActionIn(find_button(queue, label)))
        assert "Only admins" in mallory.text(), label
    async with core.db.transaction() as s:
        assert [r.state for r in await s.scalars(select(CommunityReport))] == ["open"]
