"""Skill swaps → messages, each person reading times in their own zone; and one half of a
swap ending on its own ends the other by policy (core/booking/swaps.py)."""

from __future__ import annotations

from core.booking.payloads import Sw
from core.booking.tables import Booking
from core.booking.views import when
from core.db.schema import Skill, User
from core.events import BookingCancelled, BookingExpired, SwapDecided, SwapProposed
from core.markup import esc
from core.messaging import Button, Reply
from core.uow import UnitOfWork


async def _names(u: UnitOfWork, *ids: int) -> list[str]:
    out = []
    for sid in ids:
        skill = await u.session.get(Skill, sid)
        out.append(skill.name if skill else "?")
    return out


async def proposed(u: UnitOfWork, ev: SwapProposed) -> None:
    swap = await u.swaps.get(ev.swap_id)
    if swap is None:
        return
    proposer = await u.session.get(User, swap.proposer_id)
    partner = await u.session.get(User, swap.partner_id)
    a = await u.session.get(Booking, swap.learn_booking_id)
    b = await u.session.get(Booking, swap.teach_booking_id)
    assert proposer and partner and a and b
    they_learn, they_teach = await _names(u, swap.learn_skill_id, swap.teach_skill_id)
    tz = partner.timezone
    await u.notify(
        partner.id,
        [
            Reply(
                f"🔁 *{esc(proposer.display_name)}* proposes a skill swap: you teach them "
                f"{esc(they_learn)} on {esc(when(a.starts_at, tz))}, and they teach you "
                f"{esc(they_teach)} on {esc(when(b.starts_at, tz))} ({a.length_min} min each, "
                "one credit each way).",
                buttons=(
                    (
                        Button("✅ Accept both", Sw("acc", swap.id).pack()),
                        Button("❌ Decline", Sw("dec", swap.id).pack()),
                    ),
                ),
            )
        ],
    )


async def decided(u: UnitOfWork, ev: SwapDecided) -> None:
    swap = await u.swaps.get(ev.swap_id)
    if swap is None:
        return
    partner = await u.session.get(User, swap.partner_id)
    name = esc(partner.display_name if partner else "Your partner")
    if ev.accepted:
        text = f"🔁 *{name}* accepted your skill swap: both sessions are confirmed (/sessions)."
    else:
        text = f"🔁 *{name}* declined your skill swap; your credit is refunded."
    await u.notify(swap.proposer_id, [Reply(text)])


async def half_ended(u: UnitOfWork, ev: BookingCancelled | BookingExpired) -> None:
    swap = await u.swaps.half_ended(ev.booking_id)
    if swap is None:
        return
    if swap.status == "split":
        note = "The other half of your skill swap stays booked as an ordinary session."
    else:
        note = f"The other half of your skill swap is {swap.status} too (/sessions)."
    for uid in (swap.proposer_id, swap.partner_id):
        await u.notify(uid, [Reply(f"🔁 {note}")])
