"""Turns domain events into messages for the people concerned (via the outbox)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.events import BookingEvent
from core.db.schema import User
from core.delivery import enqueue
from core.dialogs.admin import decision_buttons
from core.dialogs.profile import ViewProfile
from core.dialogs.views import profile_card
from core.dialogs.wallet import amount_text
from core.dialogs.wallet import decision_buttons as withdrawal_buttons
from core.events import (
    AccountsLinked,
    Event,
    MentorApplied,
    MentorDecided,
    SkillTagCreated,
    WithdrawalDecided,
    WithdrawalRequested,
)
from core.markup import esc
from core.messaging import Button, Reply
from core.services.profiles import Profiles

if TYPE_CHECKING:
    from core.app import CoreApp


async def _admins(session: AsyncSession) -> list[int]:
    rows = await session.scalars(
        select(User.id).where(User.is_admin.is_(True), User.merged_into_id.is_(None))
    )
    return list(rows)


async def notify(app: CoreApp, session: AsyncSession, event: Event, now: datetime) -> list[int]:
    ids: list[int] = []
    if isinstance(event, MentorApplied):
        view = await Profiles(session).view(event.user_id)
        reply = Reply(
            "🆕 *New mentor application*\n" + profile_card(view, now, own=False),
            buttons=decision_buttons(event.user_id),
        )
        for admin_id in await _admins(session):
            if admin_id != event.user_id:
                ids += await enqueue(session, admin_id, [reply], now)
    elif isinstance(event, MentorDecided):
        reason = f"\nReason: {esc(event.reason)}" if event.reason else ""
        text = {
            "approved": "🎉 Your mentor application was *approved*! Learners can now find you in "
            "search.",
            "rejected": "Your mentor application was *not approved* this time."
            + reason
            + "\nYou can update your profile and apply again with /mentor.",
            "suspended": "Your mentor profile has been *suspended*, so it's hidden from search."
            + reason,
        }.get(event.status, f"Your mentor status is now {event.status}.")
        buttons = (
            ((Button("See my public profile", ViewProfile(event.user_id).pack()),),)
            if event.status == "approved"
            else ()
        )
        ids += await enqueue(session, event.user_id, [Reply(text, buttons=buttons)], now)
    elif isinstance(event, SkillTagCreated):
        for admin_id in await _admins(session):
            if admin_id != event.user_id:
                ids += await enqueue(
                    session,
                    admin_id,
                    [Reply(f"New skill tag to review: *{esc(event.name)}* — see /admin tags")],
                    now,
                )
    elif isinstance(event, AccountsLinked):
        pass
    elif isinstance(event, BookingEvent):
        from core.booking.notices import booking_notice

        ids += await booking_notice(app, session, event, now)
    elif isinstance(event, WithdrawalRequested):
        user = await session.get(User, event.user_id)
        name = esc(user.display_name) if user else f"user {event.user_id}"
        reply = Reply(
            f"💸 *Withdrawal request #{event.withdrawal_id}*: {name} (#{event.user_id}) asks for "
            f"{amount_text(event.amount, event.currency)}. Approve to pay it out now.",
            buttons=withdrawal_buttons(event.withdrawal_id),
        )
        for admin_id in await _admins(session):
            if admin_id != event.user_id:
                ids += await enqueue(session, admin_id, [reply], now)
    elif isinstance(event, WithdrawalDecided):
        amount = amount_text(event.amount, event.currency)
        if event.status == "paid":
            text = f"✅ Your withdrawal #{event.withdrawal_id} of {amount} was approved and sent."
        else:
            reason = f"\nReason: {esc(event.reason)}" if event.reason else ""
            text = (
                f"Your withdrawal #{event.withdrawal_id} of {amount} was *not approved*."
                + reason
                + "\nThe money is back in your wallet: /wallet"
            )
        ids += await enqueue(session, event.user_id, [Reply(text)], now)
    return ids
