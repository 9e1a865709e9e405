"""Mentor applications: admins are notified, approve or reject with a reason, suspend."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.db.schema import Account, AuditEntry, MentorProfile
from core.messaging import ActionIn
from tests.support import ChatDriver, RecordingChannel, find_button
from tests.unit.dialog_helpers import apply_as_mentor


async def _status(core: CoreApp, name: str) -> str:
    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == name))
        assert acc is not None
        mp = await s.get(MentorProfile, acc.user_id)
        assert mp is not None
        return mp.status


async def test_admin_is_notified_and_approves(core: CoreApp, inbox: RecordingChannel) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say("/menu")
    assert "Admin" in [b.label.split()[-1] for r in admin.last for b in r.all_buttons()]
    await apply_as_mentor(core, "arjun")
    notes = inbox.inbox["admin"]
    assert len(notes) == 1 and "New mentor application" in notes[0].text
    assert "Arjun" in notes[0].text
    await admin.press("Approve", notes)
    assert "Approved Arjun" in admin.text()
    assert await _status(core, "arjun") == "approved"
    told = inbox.inbox["arjun"][-1]
    assert "approved" in told.text
    # A second press (or a second admin) changes nothing and says so.
    await admin.press("Approve", notes)
    assert "already approved" in admin.text()
    async with core.db.transaction() as s:
        audit = list(await s.scalars(select(AuditEntry)))
    assert [a.action for a in audit] == ["mentor.approved"]


async def test_reject_asks_for_a_reason_that_the_applicant_sees(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say("/menu")
    await apply_as_mentor(core, "bela")
    await admin.say("/admin pending")
    assert "Mentor application" in admin.text() and "Bela" in admin.text()
    await admin.press("Reject")
    assert "Why reject Bela?" in admin.text()
    await admin.say("no")
    assert "3 to 500 characters" in admin.text()
    await admin.say("Please add a longer bio with your projects")
    assert "Rejected Bela" in admin.text()
    assert await _status(core, "bela") == "rejected"
    told = inbox.inbox["bela"][-1].text
    assert "not approved" in told and "Please add a longer bio with your projects" in told
    # The applicant may re-apply; the admin is notified again.
    bela = ChatDriver(core, "bela")
    await bela.say("/mentor")
    assert "set up your mentor profile" in bela.text()


async def test_non_admin_cannot_use_admin_actions(core: CoreApp, inbox: RecordingChannel) -> None:
    await apply_as_mentor(core, "chetan")
    mallory = ChatDriver(core, "mallory")
    await mallory.say("/admin")
    assert "Only admins" in mallory.text()
    admin = ChatDriver(core, "admin")
    await admin.say("/admin pending")
    approve = find_button(admin.last, "Approve")
    await mallory.send(ActionIn(approve))
    assert "Only admins" in mallory.text()
    assert await _status(core, "chetan") == "pending"


async def test_suspend_by_name_with_reason(core: CoreApp, inbox: RecordingChannel) -> None:
    await apply_as_mentor(core, "dev")
    admin = ChatDriver(core, "admin")
    await admin.say("/admin pending")
    await admin.press("Approve")
    await admin.say("/admin")
    await admin.press("Suspend a mentor")
    await admin.say("zzz")
    assert "No approved mentor matches" in admin.text()
    await admin.say("de")
    await admin.press("Suspend Dev")
    await admin.say("Missed three sessions in a row")
    assert "Suspended Dev" in admin.text()
    assert await _status(core, "dev") == "suspended"
    assert "suspended" in inbox.inbox["dev"][-1].text


async def test_admin_commands_with_arguments(core: CoreApp, inbox: RecordingChannel) -> None:
    await apply_as_mentor(core, "esha")
    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == "esha"))
        assert acc is not None
        uid = acc.user_id
    admin = ChatDriver(core, "admin")
    await admin.say("/admin approve")
    assert "Usage: /admin approve USER_ID" in admin.text()
    await admin.say(f"/admin reject {uid} Profile needs a real photo link")
    assert "Rejected" in admin.text()
    assert await _status(core, "esha") == "rejected"


async def test_pending_shows_ids_and_a_stale_reject_asks_nothing(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    """Issue #22 item 15: ids for the commands; a decided application isn't re-asked about."""
    admin = ChatDriver(core, "admin")
    await admin.say("/menu")
    await apply_as_mentor(core, "chetan")
    await admin.say("/admin pending")
    listing = admin.last
    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == "chetan"))
        assert acc is not None
        uid = acc.user_id
    assert f"id {uid}" in admin.text() and f"/admin approve {uid}" in admin.text()
    await admin.say(f"/admin approve {uid}")
    assert "Approved Chetan" in admin.text()
    await admin.press("Reject", listing)  # the stale button from the listing
    assert "Nothing changed: that application is already approved" in admin.text()
    assert "Why reject" not in admin.text()
    await admin.say(f"/admin reject {uid}")
    assert "already approved" in admin.text() and "Why reject" not in admin.text()
