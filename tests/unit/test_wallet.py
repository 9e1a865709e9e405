"""/wallet and /withdraw in chat: balances, entries, CSV statement, admin approval."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select

from core.app import CoreApp
from core.db.schema import Account
from core.ledger import Ledger, platform, wallet
from payments.sandbox import SandboxGateway
from tests.support import ChatDriver, RecordingChannel, rebuilt


async def user_id(core: CoreApp, name: str) -> int:
    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == name))
        assert acc is not None
        return acc.user_id


async def earn(core: CoreApp, name: str, amount: int, key: str) -> int:
    uid = await user_id(core, name)
    async with core.db.transaction() as s:
        await Ledger(s, core.clock.now()).transfer(
            key=key,
            source=platform("escrow", "INR"),
            dest=wallet(uid, "INR"),
            amount=amount,
            kind="earning",
            memo="Session #12",
        )
    return uid


async def test_a_new_user_sees_starter_credits_and_gets_a_csv(core: CoreApp) -> None:
    c = ChatDriver(core, "asha")
    await c.say("/wallet")
    text = c.text()
    assert "Your wallet" in text and "Money: ₹0" in text and "Credits: 2 credits" in text
    assert "+2 credits · Starter credits" in text
    await c.press("Export CSV")
    att = c.last[0].attachment
    assert att is not None and att.mime == "text/csv" and att.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(att.data.decode())))
    assert rows[0] == [
        "date",
        "time_zone",
        "transfer_id",
        "currency",
        "amount",
        "moved",
        "kind",
        "description",
    ]
    assert rows[1][1] == "UTC" and rows[1][3:] == ["CREDIT", "2", "2", "starter", "Starter credits"]
    # The command alone again: nothing doubled.
    await c.say("/wallet")
    assert "Credits: 2 credits" in c.text()


async def test_withdraw_then_admin_approves_the_payout(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    gateway = SandboxGateway()
    core = rebuilt(core, gateway=gateway)
    admin = ChatDriver(core, "admin")
    await admin.say("/menu")
    m = ChatDriver(core, "meera")
    await m.say("/wallet")
    await m.say("/withdraw")
    assert "at least ₹500" in m.text()
    await earn(core, "meera", 70000, "e1")
    await m.say("/wallet")
    assert "Money: ₹700" in m.text() and "+₹700 · Session #12" in m.text()
    await m.press("Withdraw")
    assert "How much" in m.text()
    await m.say("100")
    assert "minimum withdrawal is ₹500" in m.text()
    await m.say("₹800")
    assert "more than your wallet holds" in m.text()
    await m.say("₹600")
    await m.say("not a upi")
    assert "doesn't look like a UPI id" in m.text()
    await m.say("meera@okaxis")
    assert "Withdraw *₹600* to UPI" in m.text()
    await m.press("Yes")
    assert "withdrawal #1 of ₹600 is waiting for an admin" in m.text()
    await m.say("/wallet")
    assert "Money: ₹100" in m.text() and "Waiting to be paid out: ₹600" in m.text()

    note = inbox.inbox["admin"][-1]
    assert "Withdrawal request #1" in note.text and "₹600" in note.text
    await admin.press("Approve payout", [note])
    assert "Paid out withdrawal #1" in admin.text()
    assert list(gateway.payouts) == ["payout:1"]
    assert gateway.payouts["payout:1"][1:] == (60000, "meera@okaxis")
    assert "approved and sent" in inbox.inbox["meera"][-1].text
    await admin.press("Approve payout", [note])
    assert "already decided" in admin.text()
    assert list(gateway.payouts) == ["payout:1"]
    await m.say("/wallet")
    assert "Money: ₹100" in m.text() and "Waiting" not in m.text()
    async with core.db.transaction() as s:
        assert await Ledger(s, core.clock.now()).check_invariants() == []


async def test_admin_rejects_with_a_reason_and_the_money_comes_back(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say("/menu")
    m = ChatDriver(core, "ravi")
    await m.say("/wallet")
    await earn(core, "ravi", 50000, "e2")
    await m.say("/withdraw")
    await m.say("all")
    await m.say("ravi@ybl")
    await m.say("yes")
    assert "waiting for an admin" in m.text()
    await admin.say("/wallet pending")
    assert "Withdrawal #1" in admin.text() and "ravi@ybl" in admin.text()
    await admin.press("Reject")
    assert "Why reject withdrawal #1?" in admin.text()
    await admin.say("The UPI id belongs to someone else")
    assert "went back" in admin.text()
    told = inbox.inbox["ravi"][-1].text
    assert "not approved" in told and "belongs to someone else" in told
    await m.say("/wallet")
    assert "Money: ₹500" in m.text()


async def test_only_admins_decide_withdrawals(core: CoreApp, inbox: RecordingChannel) -> None:
    await ChatDriver(core, "admin").say("/menu")
    m = ChatDriver(core, "kiran")
    await m.say("/wallet")
    await earn(core, "kiran", 50000, "e3")
    await m.say("/withdraw")
    await m.say("500")
    await m.say("kiran@upi")
    await m.press("Yes")
    note = inbox.inbox["admin"][-1]
    await m.press("Approve payout", [note])
    assert "Only admins" in m.text()
    await m.say("/wallet pending")
    assert "Only admins" in m.text()


async def test_linking_accounts_brings_the_wallets_together(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    from tests.unit.test_onboarding import onboard_learner

    console = await onboard_learner(core, "asha")
    await earn(core, "asha", 12345, "e4")
    await console.say("/link")
    code = console.text().split("`")[1]
    web = ChatDriver(core, "browser-1", platform="web")
    await web.say(f"/link {code}")
    assert "Linked" in web.text()
    await web.say("/wallet")
    # Both accounts' starter credits and the console account's money, in one wallet.
    assert "Money: ₹123.45" in web.text() and "Credits: 4 credits" in web.text()
    async with core.db.transaction() as s:
        assert await Ledger(s, core.clock.now()).check_invariants() == []


async def test_the_main_menu_opens_the_wallet(core: CoreApp) -> None:
    c = ChatDriver(core, "asha")
    await c.say("/menu")
    await c.press("My wallet")
    assert "Your wallet" in c.text() and "Credits: 2 credits" in c.text()
