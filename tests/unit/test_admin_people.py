"""Admin people verbs (issue 17): a person's card, suspend / reinstate anyone, grant or
remove admin (super-admins only), merge a duplicate; each in the audit log."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.db.schema import Account, AuditEntry, MentorProfile, User
from core.messaging import ActionIn
from payments.sandbox import SandboxGateway
from tests.admin_support import complete, person, sandbox_pay, session
from tests.money_support import fund, invariants
from tests.support import ChatDriver, RecordingChannel, find_button, rebuilt


async def _actions(core: CoreApp) -> list[tuple[str, str]]:
    async with core.db.transaction() as s:
        return [(a.action, a.target) for a in await s.scalars(select(AuditEntry))]


async def test_the_card_shows_accounts_bookings_wallet_and_actions(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    gcore = rebuilt(core, gateway=SandboxGateway())
    s = await session(gcore, sandbox_pay(gcore), report=None)
    await complete(gcore, s.booking_id)
    await person(gcore, "asha", platform="telegram")  # a second, unlinked Asha
    admin = ChatDriver(gcore, "admin")
    await admin.say("/admin user asha")
    assert "2 people match" in admin.text()
    await admin.press(f"(#{s.learner_id})")
    card = admin.text()
    assert f"*Asha* · id {s.learner_id} · learner" in card
    assert "- console: Asha (asha)" in card
    assert "Bookings: completed 1" in card
    assert "Wallet: 2 credits" in card
    assert "Reports about their messages: 0 · community mutes/bans: 0" in card
    labels = [b.label for r in admin.last for b in r.all_buttons()]
    assert labels == ["Suspend", f"Refund last booking #{s.booking_id}", "Make admin"]
    # The refund button asks for a reason and refunds the whole booking.
    await admin.press("Refund last booking")
    await admin.say("Goodwill after a bad call")
    assert "Refunded ₹100" in admin.text()
    assert await invariants(gcore.db) == []
    await admin.say(f"/admin user {s.mentor_id}")
    assert "mentor (approved)" in admin.text()
    await admin.say("/admin user @meera")
    assert f"id {s.mentor_id}" in admin.text()
    await admin.say("/admin user nobody-like-this")
    assert "Nobody matches" in admin.text()


async def test_suspend_and_reinstate_anyone(core: CoreApp, inbox: RecordingChannel) -> None:
    learner = ChatDriver(core, "ravi")
    await learner.say("/menu")
    uid = (await _user(core, "ravi")).id
    admin = ChatDriver(core, "admin")
    await admin.say(f"/admin suspend {uid}")
    assert "Why suspend Ravi?" in admin.text()
    await admin.say("Spamming mentors with links")
    assert "Suspended Ravi" in admin.text()
    assert "Spamming mentors with links" in inbox.inbox["ravi"][-1].text
    await learner.say("/find python")
    assert "Your account is suspended: Spamming mentors with links" in learner.text()
    await admin.say(f"/admin suspend {uid} again")
    assert "already suspended" in admin.text()
    await admin.say(f"/admin user {uid}")
    assert "⛔ Suspended" in admin.text()
    await admin.press("Reinstate")
    await admin.say("Apologised")
    assert "Reinstated Ravi" in admin.text()
    await learner.say("/menu")
    assert "suspended" not in learner.text()
    assert await _actions(core) == [
        ("user.suspend", f"user:{uid}"),
        ("user.reinstate", f"user:{uid}"),
    ]


async def test_suspending_a_mentor_suspends_the_profile_too(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    gcore = rebuilt(core, gateway=SandboxGateway())
    s = await session(gcore, sandbox_pay(gcore), report=None)
    admin = ChatDriver(gcore, "admin")
    await admin.say(f"/admin suspend {s.mentor_id} No-shows")
    async with gcore.db.transaction() as db:
        mp = await db.get(MentorProfile, s.mentor_id)
        assert mp is not None and mp.status == "suspended"
    await admin.say(f"/admin reinstate {s.mentor_id} Explained")
    async with gcore.db.transaction() as db:
        mp = await db.get(MentorProfile, s.mentor_id)
        assert mp is not None and mp.status == "approved"


async def test_only_super_admins_grant_or_remove_admin(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    await ChatDriver(core, "priya").say("/menu")
    uid = (await _user(core, "priya")).id
    root = ChatDriver(core, "admin")  # console:admin is in the settings
    await root.say(f"/admin grant {uid} Runs the Pune community")
    assert "Made an admin: Priya" in root.text()
    assert "now a MentorBot admin" in inbox.inbox["priya"][-1].text
    priya = ChatDriver(core, "priya")
    await priya.say("/admin")
    assert "Only admins" not in priya.text()
    # Priya is an admin but not a super-admin: she can't hand the right on or take it away.
    await ChatDriver(core, "omar").say("/menu")
    omar = (await _user(core, "omar")).id
    await priya.say(f"/admin grant {omar} friend")
    assert "Only the super-admins" in priya.text()
    await priya.say(f"/admin user {omar}")
    assert "Make admin" not in str(priya.last[-1].all_buttons())
    await root.say(f"/admin revoke {uid} Stepped down")
    assert "Removed admin from Priya" in root.text()
    await priya.say("/admin")
    assert "Only admins" in priya.text()
    assert [a for a, _t in await _actions(core)] == ["admin.grant", "admin.remove"]


async def test_merge_refuses_when_both_have_money(core: CoreApp, inbox: RecordingChannel) -> None:
    a = await person(core, "kiran")
    b = await person(core, "kiran2", platform="telegram")
    admin = ChatDriver(core, "admin")
    await fund(core.db, a, 5000, "fund-a")
    await fund(core.db, b, 60000, "fund-b")
    await admin.say(f"/admin merge {a} {b} Same person on Telegram")
    assert "Both have money" in admin.text()
    # Money waiting to be paid out is money too.
    async with core.uow() as u:
        await u.money.request_withdrawal(b, 60000, "kiran@upi")
    await admin.say(f"/admin merge {a} {b} Same person on Telegram")
    assert "Both have money" in admin.text()
    await admin.say(f"/admin merge {a} {a} x y z")
    assert "same person" in admin.text()
    async with core.db.transaction() as s:
        assert await s.scalar(select(Account.user_id).where(Account.external_id == "kiran2")) == b
    assert await _actions(core) == []
    assert await invariants(core.db) == []


async def test_merge_of_a_duplicate_without_money(core: CoreApp, inbox: RecordingChannel) -> None:
    a = await person(core, "kiran")
    b = await person(core, "kiran2", platform="telegram")
    await fund(core.db, b, 3000, "fund-b")
    admin = ChatDriver(core, "admin")
    await admin.say(f"/admin merge {a} {b} Same person on Telegram")
    assert f"Merged #{b} into Kiran (#{a})" in admin.text()
    async with core.db.transaction() as s:
        accounts = list(await s.scalars(select(Account).where(Account.user_id == a)))
        assert {x.platform for x in accounts} == {"console", "telegram"}
        merged = await s.get(User, b)
        assert merged is not None and merged.merged_into_id == a
    await admin.say(f"/admin user {a}")
    assert "₹30" in admin.text() and "- telegram: Kiran2" in admin.text()
    await admin.say(f"/admin merge {a} {b} again")
    assert "was merged into" in admin.text()
    assert await invariants(core.db) == []


async def test_merge_refuses_a_mentor_or_people_who_booked_each_other(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    gcore = rebuilt(core, gateway=SandboxGateway())
    s = await session(gcore, sandbox_pay(gcore), report=None)
    await complete(gcore, s.booking_id)
    admin = ChatDriver(gcore, "admin")
    await admin.say(f"/admin merge {s.learner_id} {s.mentor_id} dup")
    assert "has a mentor profile" in admin.text()
    await admin.say(f"/admin merge {s.mentor_id} {s.learner_id} dup")
    assert "booked each other" in admin.text()


async def test_a_non_admin_is_refused_every_people_command(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    target = await person(core, "asha")
    other = await person(core, "bea")
    admin = ChatDriver(core, "admin")
    await admin.say(f"/admin user {target}")
    card = admin.last
    mallory = ChatDriver(core, "mallory")
    for command in (
        "/admin user asha",
        f"/admin suspend {target} bad",
        f"/admin reinstate {target} ok",
        f"/admin grant {target} why",
        f"/admin revoke {target} why",
        f"/admin merge {target} {other} dup",
    ):
        await mallory.say(command)
        assert "Only admins" in mallory.text(), command
    for label in ("Suspend", "Make admin"):
        await mallory.send(ActionIn(find_button(card, label)))
        assert "Only admins" in mallory.text(), label
    assert await _actions(core) == []


async def _user(core: CoreApp, name: str) -> User:
    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == name))
        assert acc is not None
        user = await s.get(User, acc.user_id)
        assert user is not None
        return user
