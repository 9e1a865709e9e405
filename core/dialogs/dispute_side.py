"""A side's statement on a reported session, asked for when the report is made."""

from __future__ import annotations

from core.booking.admin_money import DisputeSide
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff, keep
from core.messaging import Asks, Inbound, Reply
from core.numbers import as_int


class DisputeSideDialog(Dialog):
    name = "dispute_side"
    title = "your side of a reported session"

    async def start(self, ctx: Ctx, args: str) -> Step:
        booking_id = as_int(args.strip()) or 0
        b = await ctx.bookings.get(booking_id)
        if b is None or ctx.user.id not in (b.mentor_id, b.learner_id):
            return end(Reply("That session isn't yours."))
        if b.status != "disputed":
            return end(Reply(f"Session #{b.id} has been decided already."))
        ctx.data["target"] = booking_id
        return goto("side", await self.prompt(ctx, "side"))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply(
            f"What happened in session #{ctx.int_data('target')}, from your side? "
            "An admin reads it before deciding. (/cancel to stop)",
            asks=Asks("Your side", max_length=1000, multiline=True),
        )

    async def on_side(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound)
        if not text or not 3 <= len(text) <= 1000:
            return await self.retry(ctx, "side", "Please write 3 to 1000 characters.")
        if not await ctx.u.admin_money.add_statement(ctx.int_data("target"), ctx.user.id, text):
            return end(Reply("Your side is already recorded, or the session was decided."))
        return end(Reply("Thanks — the admin will read it before deciding."))


async def on_dispute_side(ctx: Ctx, payload: str) -> Step:
    p = DisputeSide.parse(payload)
    if p is None:
        return keep(Reply("That button is broken."))
    return handoff("dispute_side", str(p.booking_id))
