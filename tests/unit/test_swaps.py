"""Skill swaps (issue 19, part 1): suggested partners, two linked sessions paid with one
credit each way, accepted together, one half cancelled or declined ends the other."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from core.app import CoreApp
from core.booking.payloads import Bk, Sw
from core.booking.tables import Booking
from core.clock import ManualClock
from core.db.schema import Account, Skill, User, UserSkill
from core.db.swaps import Swap
from core.ledger import Ledger, wallet
from core.messaging import ActionIn
from tests.money_support import invariants
from tests.support import ChatDriver, RecordingChannel, rebuilt
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_find import _approve_all


async def _uid(core: CoreApp, name: str) -> int:
    async with core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == name))
        assert acc is not None
        return acc.user_id


async def _wants(core: CoreApp, name: str, skill: str) -> None:
    uid = await _uid(core, name)
    async with core.db.transaction() as s:
        sid = await s.scalar(select(Skill.id).where(Skill.name == skill))
        assert sid is not None
        s.add(UserSkill(user_id=uid, skill_id=sid, kind="learn", level="beginner"))


async def _credits(core: CoreApp, name: str) -> int:
    uid = await _uid(core, name)
    async with core.db.transaction() as s:
        return await Ledger(s, core.deps.clock.now()).balance(wallet(uid, "CREDIT"))


async def _pair(core: CoreApp) -> tuple[ChatDriver, ChatDriver]:
    """Asha teaches React and wants Figma (Mumbai); Meera teaches Figma and wants React
    (London); Ravi teaches Figma but wants Python: no swap for Asha."""
    asha = await apply_as_mentor(core, "asha", skills="React: advanced", price="free")
    meera = await apply_as_mentor(core, "meera", skills="Figma: advanced", price="100")
    await apply_as_mentor(core, "ravi", skills="Figma: advanced", price="free")
    await _approve_all(core)
    await _wants(core, "asha", "Figma")
    await _wants(core, "meera", "React")
    await _wants(core, "ravi", "Python")
    meera_id = await _uid(core, "meera")
    async with core.db.transaction() as s:
        u = await s.get(User, meera_id)
        assert u is not None
        u.timezone = "Europe/London"
    return asha, meera


async def _propose(asha: ChatDriver) -> None:
    await asha.say("/swap")
    assert "Ravi" not in asha.text()
    await asha.press("Swap with Meera")
    assert "When will *Meera* teach you?" in asha.text(), asha.text()
    assert "(Asia/Kolkata)" in asha.text()
    await asha.press("")  # the first free time
    assert "When will you teach *Meera*?" in asha.text(), asha.text()
    await asha.press("")
    await asha.press("Send proposal")
    assert "Swap #1 proposed" in asha.text(), asha.text()


async def _bookings(core: CoreApp) -> tuple[Booking, Booking, Swap]:
    async with core.db.transaction() as s:
        swap = await s.scalar(select(Swap))
        assert swap is not None
        a = await s.get(Booking, swap.learn_booking_id)
        b = await s.get(Booking, swap.teach_booking_id)
        assert a is not None and b is not None
        return a, b, swap


async def test_swap_suggestion_says_who_teaches_what(core: CoreApp) -> None:
    asha, _ = await _pair(core)
    await asha.say("/swap")
    assert "You teach React and want Figma; Meera teaches Figma and wants React" in asha.text()
    assert "you both speak English" in asha.text()
    await asha.say("/find figma")  # in results too: Meera would swap, Ravi wouldn't
    assert (
        "🔁 You teach React and want Figma; Meera teaches Figma and wants React: swap with /swap"
        in asha.text()
    ), asha.text()
    assert "Ravi teaches" not in asha.text()
    lonely = await apply_as_mentor(core, "kiran", skills="Rust: advanced")
    await _approve_all(core)
    await lonely.say("/swap")
    assert "No skill swap partners yet" in lonely.text()


async def test_swap_booked_then_one_side_cancelled_refunds_both(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    asha, meera = await _pair(core)
    assert await _credits(core, "asha") == 2 and await _credits(core, "meera") == 2
    await _propose(asha)
    assert await _credits(core, "asha") == 1  # held for the half Asha learns in
    a, b, _ = await _bookings(core)
    assert (a.status, b.status) == ("requested", "requested")
    assert (a.price_mode, a.amount_minor, b.price_mode) == ("credits", 1, "credits")
    # The partner hears once, in their own zone, with both halves; no separate requests.
    proposal = [r for r in inbox.inbox["meera"] if "proposes a skill swap" in r.text]
    assert len(proposal) == 1 and "(Europe/London)" in proposal[0].text
    assert not any("request" in r.text.lower() for r in inbox.inbox.get("asha", []))

    # Asha can't confirm her own teaching half from /sessions: only Meera accepts the swap.
    await asha.send(ActionIn(Bk("acc", b.id).pack()))
    assert "half of a skill swap you proposed" in asha.text(), asha.text()
    await meera.press("Accept both", proposal)
    assert "Swap accepted" in meera.text(), meera.text()
    a, b, swap = await _bookings(core)
    assert (a.status, b.status, swap.status) == ("confirmed", "confirmed", "accepted")
    assert await _credits(core, "asha") == 1 and await _credits(core, "meera") == 1
    assert any("accepted your skill swap" in r.text for r in inbox.inbox["asha"])
    await meera.press("Accept both", proposal)  # pressed twice: nothing more is taken
    assert "already accepted" in meera.text()
    assert await _credits(core, "meera") == 1

    # Early cancellation of one half by Asha: the other half is cancelled too, both refunded.
    await asha.send(ActionIn(Bk("cancelok", a.id).pack()))
    a, b, swap = await _bookings(core)
    assert (a.status, b.status, swap.status) == ("cancelled", "cancelled", "cancelled")
    assert await _credits(core, "asha") == 2 and await _credits(core, "meera") == 2
    assert await invariants(core.db) == []


async def test_late_cancel_keeps_the_cancellers_credit_with_the_partner(
    core: CoreApp, clock: ManualClock
) -> None:
    asha, meera = await _pair(core)
    await _propose(asha)
    _, _, swap = await _bookings(core)
    await meera.send(ActionIn(Sw("acc", swap.id).pack()))
    a, b, _ = await _bookings(core)
    clock._now = a.starts_at - timedelta(hours=1)  # Asha's own lesson is an hour away
    await asha.send(ActionIn(Bk("cancelok", a.id).pack()))
    a, b, swap = await _bookings(core)
    assert (a.status, b.status, swap.status) == ("cancelled", "cancelled", "cancelled")
    # Asha cancelled her lesson late: Meera keeps Asha's credit, and gets her own back for
    # the half Asha was to teach (a teacher's cancellation always refunds the learner).
    assert await _credits(core, "asha") == 1 and await _credits(core, "meera") == 3
    assert await invariants(core.db) == []


async def test_declining_the_swap_releases_both_halves(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    asha, meera = await _pair(core)
    await _propose(asha)
    proposal = [r for r in inbox.inbox["meera"] if "proposes a skill swap" in r.text]
    await meera.press("Decline", proposal)
    a, b, swap = await _bookings(core)
    assert (a.status, b.status, swap.status) == ("declined", "declined", "declined")
    assert await _credits(core, "asha") == 2 and await _credits(core, "meera") == 2
    assert any("declined your skill swap" in r.text for r in inbox.inbox["asha"])
    assert await invariants(core.db) == []


async def test_keep_policy_leaves_the_other_half_booked(core: CoreApp) -> None:
    keep = rebuilt(
        core, policies=dataclasses.replace(core.deps.policies, swap_cancel_policy="keep")
    )
    asha, meera = await _pair(keep)
    await _propose(asha)
    _, _, swap = await _bookings(keep)
    await meera.send(ActionIn(Sw("acc", swap.id).pack()))
    a, _, _ = await _bookings(keep)
    await asha.send(ActionIn(Bk("cancelok", a.id).pack()))
    a, b, swap = await _bookings(keep)
    assert (a.status, b.status, swap.status) == ("cancelled", "confirmed", "split")
    assert await _credits(keep, "asha") == 2 and await _credits(keep, "meera") == 1
    assert await invariants(keep.db) == []


async def test_an_unanswered_swap_expires_as_a_whole(core: CoreApp, clock: ManualClock) -> None:
    asha, _ = await _pair(core)
    await _propose(asha)
    a, b, _ = await _bookings(core)
    clock._now = max(a.respond_by, b.respond_by) + timedelta(minutes=1)
    await core.tick()
    a, b, swap = await _bookings(core)
    assert (a.status, b.status, swap.status) == ("expired", "expired", "expired")
    assert await _credits(core, "asha") == 2 and await _credits(core, "meera") == 2
    assert await invariants(core.db) == []
