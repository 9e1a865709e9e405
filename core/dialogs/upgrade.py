"""The learner → mentor invitation's button: the mentor application, prefilled with what
they learned (core/dialogs/onboarding.py's `apply::SKILLS`)."""

from __future__ import annotations

from core.booking.payloads import Up
from core.dialogs.engine import Ctx, Step, handoff, keep
from core.messaging import Reply


async def on_upgrade_action(ctx: Ctx, payload: str) -> Step:
    if Up.parse(payload) is None:
        return keep(Reply("That button is broken."))
    invite = await ctx.u.upgrades.invite_of(ctx.user.id)
    skills = invite.skills if invite is not None else ""
    return handoff("onboarding", f"apply::{skills}" if skills else "apply")
