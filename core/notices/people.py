"""Mentor applications and decisions, new skill tags and withdrawals → messages."""

from __future__ import annotations

from sqlalchemy import select

from core.db.schema import User
from core.events import (
    AccountsLinked,
    MentorApplied,
    MentorDecided,
    SkillTagCreated,
    WithdrawalDecided,
    WithdrawalRequested,
)
from core.markup import esc
from core.messaging import Button, Reply
from core.services.buttons import ViewProfile, application_buttons, withdrawal_buttons
from core.text import amount_text
from core.uow import UnitOfWork
from core.views import profile_card

DECISION_TEXTS = {
    "approved": "🎉 Your mentor application was *approved*! Learners can now find you in search.",
    "rejected": "Your mentor application was *not approved* this time.{reason}\n"
    "You can update your profile and apply again with /mentor.",
    "suspended": "Your mentor profile has been *suspended*, so it's hidden from search.{reason}",
}


async def admin_ids(u: UnitOfWork) -> list[int]:
    rows = await u.session.scalars(
        select(User.id).where(User.is_admin.is_(True), User.merged_into_id.is_(None))
    )
    return list(rows)


async def _tell_admins(u: UnitOfWork, reply: Reply, *, except_user: int) -> None:
    for admin_id in await admin_ids(u):
        if admin_id != except_user:
            await u.notify(admin_id, [reply])


async def mentor_applied(u: UnitOfWork, ev: MentorApplied) -> None:
    view = await u.profiles.view(ev.user_id)
    reply = Reply(
        "🆕 *New mentor application*\n" + profile_card(view, u.now, own=False),
        buttons=application_buttons(ev.user_id),
    )
    await _tell_admins(u, reply, except_user=ev.user_id)


async def mentor_decided(u: UnitOfWork, ev: MentorDecided) -> None:
    reason = f"\nReason: {esc(ev.reason)}" if ev.reason else ""
    template = DECISION_TEXTS.get(ev.status, f"Your mentor status is now {ev.status}.")
    buttons = (
        ((Button("See my public profile", ViewProfile(ev.user_id).pack()),),)
        if ev.status == "approved"
        else ()
    )
    await u.notify(ev.user_id, [Reply(template.format(reason=reason), buttons=buttons)])


async def skill_tag_created(u: UnitOfWork, ev: SkillTagCreated) -> None:
    reply = Reply(f"New skill tag to review: *{esc(ev.name)}* — see /admin tags")
    await _tell_admins(u, reply, except_user=ev.user_id)


async def withdrawal_requested(u: UnitOfWork, ev: WithdrawalRequested) -> None:
    user = await u.session.get(User, ev.user_id)
    name = esc(user.display_name) if user else f"user {ev.user_id}"
    reply = Reply(
        f"💸 *Withdrawal request #{ev.withdrawal_id}*: {name} (#{ev.user_id}) asks for "
        f"{amount_text(ev.amount, ev.currency)}. Approve to pay it out now.",
        buttons=withdrawal_buttons(ev.withdrawal_id),
    )
    await _tell_admins(u, reply, except_user=ev.user_id)


async def withdrawal_decided(u: UnitOfWork, ev: WithdrawalDecided) -> None:
    amount = amount_text(ev.amount, ev.currency)
    if ev.status == "paid":
        text = f"✅ Your withdrawal #{ev.withdrawal_id} of {amount} was approved and sent."
    else:
        reason = f"\nReason: {esc(ev.reason)}" if ev.reason else ""
        text = (
            f"Your withdrawal #{ev.withdrawal_id} of {amount} was *not approved*."
            + reason
            + "\nThe money is back in your wallet: /wallet"
        )
    await u.notify(ev.user_id, [Reply(text)])


async def profile_changed(
    u: UnitOfWork, ev: MentorApplied | MentorDecided | AccountsLinked
) -> None:
    """A mentor's status or a merged identity changes what search shows for that profile."""
    u.profiles_changed([ev.user_id])
