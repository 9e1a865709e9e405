"""Admin money verbs (issue 17): `/admin disputes`, `/admin decide`, `/admin refund`.

Opened from the admin dialog (`/admin disputes` hands off here) and from the buttons below.
The right is checked here, on every step: a menu that hides a command is not a check.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.admin_money import AdminMoneyError, Decided, Dispute, Refunded, amount_text
from core.booking.views import when
from core.currency import parse_money
from core.db.schema import User
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff, keep
from core.ledger import LedgerError
from core.markup import esc
from core.messaging import Asks, Button, Inbound, Reply
from core.numbers import as_int
from core.payloads import Payload
from core.ports import GatewayError
from core.uow import UnitOfWork

NOT_ADMIN = Reply("Only admins can do that.")
VERBS = ("disputes", "decide", "refund")
OUTCOME_WORDS = {
    "mentor": "mentor",
    "pay": "mentor",
    "learner": "learner",
    "refund": "learner",
    "split": "split",
}
OUTCOME_TEXT = {
    "mentor": "the mentor is paid",
    "learner": "the learner is refunded in full",
    "split": "the payment is split",
}


@dataclass(frozen=True)
class AdmMoney(Payload, prefix="adx"):
    what: str  # dm: pay mentor · dl: refund learner · ds: split · rf: refund a booking
    target: int


def dispute_buttons(booking_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button("Pay the mentor", AdmMoney("dm", booking_id).pack()),
            Button("Refund the learner", AdmMoney("dl", booking_id).pack()),
        ),
        (Button("Split", AdmMoney("ds", booking_id).pack()),),
    )


async def _name(s: AsyncSession, user_id: int | None) -> str:
    if user_id is None:
        return "?"
    user = await s.get(User, user_id)
    return esc(user.display_name) if user else f"user {user_id}"


async def dispute_reply(ctx: Ctx, d: Dispute) -> Reply:
    return Reply(await dispute_text(ctx.session, d), buttons=dispute_buttons(d.booking.id))


async def dispute_text(s: AsyncSession, d: Dispute) -> str:
    """A dispute as the admins read it, in chat and on the dashboard's queue."""
    b = d.booking
    mentor, learner = await _name(s, b.mentor_id), await _name(s, b.learner_id)
    held = ", ".join(amount_text(v, c) for c, v in d.held.items() if v > 0) or "nothing"
    lines = [
        f"*Dispute: session #{b.id}* · {mentor} (mentor) with {learner} (learner), "
        f"{esc(when(b.starts_at, 'UTC'))}, {b.length_min} min",
        f"Held in escrow: {held}",
        f"Topic: {esc(b.topic[:200])}",
    ]
    said = {st.user_id for st in d.statements}
    if b.cancel_reason and not d.statements:
        lines.append(f"Report: “{esc(b.cancel_reason)}”")
    for st in d.statements:
        side = "mentor" if st.user_id == b.mentor_id else "learner"
        lines.append(f"{await _name(s, st.user_id)} ({side}): “{esc(st.text)}”")
    for uid, side in ((b.mentor_id, "mentor"), (b.learner_id, "learner")):
        if uid not in said and d.statements:
            lines.append(f"{await _name(s, uid)} ({side}): no statement yet")
    if d.joins:
        lines.append("Call room:")
        for e in d.joins[:12]:
            lines.append(
                f"- {e.at.strftime('%H:%M:%S')} {e.role} {e.kind}"
                + (f" ({esc(e.detail)})" if e.detail else "")
            )
    else:
        lines.append("Call room: nobody joined")
    lines.append(f"By command: `/admin decide {b.id} mentor|learner|split AMOUNT|PERCENT% REASON`")
    return "\n".join(lines)


async def tell_refund(u: UnitOfWork, r: Refunded, reason: str) -> None:
    await u.notify(
        r.learner_id,
        [
            Reply(
                f"💸 You've been refunded {amount_text(r.amount, r.currency)} for session "
                f"#{r.booking_id}. Reason: {esc(reason)}"
                + ("" if r.currency == "CREDIT" else "\nIt reaches your account in 5–7 days.")
            )
        ],
    )


async def tell_decision(u: UnitOfWork, d: Decided, reason: str) -> None:
    outcome = {
        "mentor": "the mentor is paid",
        "learner": (
            f"the learner is refunded in full ({amount_text(d.to_learner, d.currency)})"
            if d.to_learner
            else "the learner is refunded in full"
        ),
        "split": (
            f"split: {amount_text(d.to_learner, d.currency)} back to the learner, "
            "the rest to the mentor"
        ),
    }[d.outcome]
    text = (
        f"⚖️ An admin decided the report about session #{d.booking_id}: {outcome}. "
        f"Reason: {esc(reason)}"
    )
    for uid in (d.learner_id, d.mentor_id):
        await u.notify(uid, [Reply(text)])


def _amount(text: str, total: int, currency: str) -> int | None:
    """A split's part for the learner: `40%` of what's held, or an amount."""
    t = text.strip()
    if t.endswith("%"):
        pct = as_int(t[:-1].strip(), hi=100)
        return None if pct is None else total * pct // 100
    if currency == "CREDIT":
        return as_int(t)
    return parse_money(t, currency)


async def split_part(u: UnitOfWork, target: int, text: str) -> int | str:
    """The learner's part of a split (an amount or a percentage of what's held), or what to
    ask again: read the same way in chat and on the dashboard's form."""
    held = await u.money.escrowed(target)
    currency = next(iter(held), "INR")
    total = max(0, held.get(currency, 0))
    part = _amount(text, total, currency)
    if part is None or not 0 <= part <= total:
        return f"Please give 0 to {amount_text(total, currency)}, or a percentage like 50%."
    return part


class AdminMoneyDialog(Dialog):
    name = "admin_money"
    title = "admin: money"

    async def start(self, ctx: Ctx, args: str) -> Step:
        if not ctx.user.is_admin:
            return end(NOT_ADMIN)
        words = args.split(maxsplit=1)
        verb = words[0].casefold() if words else ""
        rest = words[1] if len(words) > 1 else ""
        if verb == "disputes":
            return end(*await self._disputes(ctx))
        if verb == "decide":
            return await self._decide_command(ctx, rest)
        if verb == "refund":
            return await self._refund_command(ctx, rest)
        if verb == "ask":  # from a button: "ask OUTCOME BOOKING"
            outcome, _, target = rest.partition(" ")
            ctx.data.update({"outcome": outcome, "target": as_int(target) or 0})
            if outcome == "split":
                return goto("split", await self.prompt(ctx, "split"))
            return goto("reason", await self.prompt(ctx, "reason"))
        return end(Reply("Usage: `/admin disputes`, `/admin decide …`, `/admin refund …`"))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        target = ctx.int_data("target")
        if state == "split":
            return Reply(
                f"How much of session #{target}'s payment goes back to the learner? "
                "An amount (e.g. 40) or a percentage (e.g. 50%). (/cancel to stop)",
                asks=Asks("Learner's part (amount or %)", max_length=20),
            )
        if state == "reason":
            return Reply(
                f"Why? Both sides of session #{target} will see this reason. (/cancel to stop)"
                if ctx.str_data("outcome") != "refund"
                else f"Why refund session #{target}? The learner will see it. (/cancel to stop)",
                asks=Asks("Reason (they will see it)", max_length=500, multiline=True),
            )
        return Reply("/admin disputes")

    async def _disputes(self, ctx: Ctx) -> list[Reply]:
        rows = await ctx.u.admin_money.disputes(10)
        if not rows:
            return [Reply("No disputed sessions. 🎉")]
        return [await dispute_reply(ctx, d) for d in rows]

    async def _decide_command(self, ctx: Ctx, rest: str) -> Step:
        words = rest.split(maxsplit=2)
        usage = Reply(
            "Usage: `/admin decide BOOKING mentor REASON`, `/admin decide BOOKING learner "
            "REASON` or `/admin decide BOOKING split AMOUNT|PERCENT% REASON`"
        )
        if len(words) < 2 or as_int(words[0].lstrip("#")) is None:
            return end(usage)
        target = as_int(words[0].lstrip("#")) or 0
        outcome = OUTCOME_WORDS.get(words[1].casefold())
        if outcome is None:
            return end(usage)
        reason = words[2] if len(words) > 2 else ""
        ctx.data.update({"outcome": outcome, "target": target})
        if outcome == "split":
            part, _, reason = reason.partition(" ")
            if not part:
                return goto("split", await self.prompt(ctx, "split"))
            return await self._split_part(ctx, part, reason)
        if len(reason) < 3:
            return goto("reason", await self.prompt(ctx, "reason"))
        return end(await self._decide(ctx, reason))

    async def _split_part(self, ctx: Ctx, text: str, reason: str) -> Step:
        part = await split_part(ctx.u, ctx.int_data("target"), text)
        if isinstance(part, str):
            return await self.retry(ctx, "split", part)
        ctx.data["part"] = part
        if len(reason) < 3:
            return goto("reason", await self.prompt(ctx, "reason"))
        return end(await self._decide(ctx, reason))

    async def on_split(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound)
        if not text:
            return await self.retry(ctx, "split", "Please type an amount or a percentage.")
        return await self._split_part(ctx, text, "")

    async def on_reason(self, ctx: Ctx, inbound: Inbound) -> Step:
        if not ctx.user.is_admin:
            return end(NOT_ADMIN)
        text = ctx.text_of(inbound)
        if not text or not 3 <= len(text) <= 500:
            return await self.retry(ctx, "reason", "Please give a reason of 3 to 500 characters.")
        if ctx.str_data("outcome") == "refund":
            amount = ctx.data.get("amount")
            return end(await self._refund(ctx, amount if isinstance(amount, int) else None, text))
        return end(await self._decide(ctx, text))

    async def _decide(self, ctx: Ctx, reason: str) -> Reply:
        part = ctx.data.get("part")
        return await decide_dispute(
            ctx.u,
            ctx.user,
            ctx.int_data("target"),
            ctx.str_data("outcome"),
            part if isinstance(part, int) else None,
            reason,
        )

    async def _refund_command(self, ctx: Ctx, rest: str) -> Step:
        words = rest.split(maxsplit=1)
        target = as_int(words[0].lstrip("#")) if words else None
        if target is None:
            return end(Reply("Usage: `/admin refund BOOKING [AMOUNT] REASON`"))
        tail = words[1] if len(words) > 1 else ""
        amount: int | None = None
        first, _, after = tail.partition(" ")
        currency, _paid, _back = await ctx.u.admin_money.paid(target)
        maybe = as_int(first) if currency == "CREDIT" else parse_money(first, currency)
        if first and maybe is not None:
            amount, tail = maybe, after
        ctx.data.update({"outcome": "refund", "target": target, "amount": amount})
        if len(tail.strip()) < 3:
            return goto("reason", await self.prompt(ctx, "reason"))
        return end(await self._refund(ctx, amount, tail.strip()))

    async def _refund(self, ctx: Ctx, amount: int | None, reason: str) -> Reply:
        return await refund_booking(ctx.u, ctx.user, ctx.int_data("target"), amount, reason)


async def on_admin_money_action(ctx: Ctx, payload: str) -> Step:
    p = AdmMoney.parse(payload)
    if p is None:
        return keep(Reply("That admin button is broken."))
    if not ctx.user.is_admin:
        return keep(NOT_ADMIN)
    outcome = {"dm": "mentor", "dl": "learner", "ds": "split"}.get(p.what)
    if outcome is not None:
        return handoff("admin_money", f"ask {outcome} {p.target}")
    if p.what == "rf":
        return handoff("admin_money", f"refund {p.target}")
    return keep(Reply("Unknown admin action."))


async def refund_amount(u: UnitOfWork, target: int, text: str) -> int | str | None:
    """A refund's amount as typed (empty: all that is left), in the booking's currency; or
    what to ask again: read the same way in chat and on the dashboard's form."""
    if not text.strip():
        return None
    currency, _paid, _back = await u.admin_money.paid(target)
    amount = as_int(text.strip()) if currency == "CREDIT" else parse_money(text, currency)
    if amount is None or amount <= 0:
        return f"“{esc(text.strip())}” isn't an amount; give one like 40, or leave it empty."
    return amount


async def refund_booking(
    u: UnitOfWork, admin: User, target: int, amount: int | None, reason: str
) -> Reply:
    """Refund a session (all that is left, or `amount`) and tell the learner: the one code
    path for `/admin refund`, its buttons and the dashboard's form."""
    if not admin.is_admin:
        return NOT_ADMIN
    try:
        r = await u.admin_money.refund(admin.id, target, amount, reason)
    except (AdminMoneyError, LedgerError, GatewayError) as exc:
        return Reply(f"Nothing refunded: {esc(str(exc))}")
    if r.again:
        return Reply(
            f"That refund ({amount_text(r.amount, r.currency)} for session #{target}) was "
            "already made; nothing was done again."
        )
    await tell_refund(u, r, reason)
    return Reply(
        f"Refunded {amount_text(r.amount, r.currency)} for session #{target}. "
        "The learner has been told."
    )


async def decide_dispute(
    u: UnitOfWork, admin: User, target: int, outcome: str, part: int | None, reason: str
) -> Reply:
    """Decide a dispute and tell both sides: the one code path for the chat (command and
    buttons) and the dashboard's form."""
    if not admin.is_admin:
        return NOT_ADMIN
    try:
        d = await u.admin_money.decide(admin.id, target, outcome, part, reason)
    except (AdminMoneyError, LedgerError, GatewayError) as exc:
        return Reply(f"Nothing changed: {esc(str(exc))}")
    await tell_decision(u, d, reason)
    mentor = (
        f" The mentor gets {amount_text(d.to_mentor, d.currency)} after the fee."
        if d.to_mentor
        else ""
    )
    back = (
        f" {amount_text(d.to_learner, d.currency)} goes back to the learner."
        if d.to_learner
        else ""
    )
    return Reply(
        f"Decided session #{d.booking_id}: {OUTCOME_TEXT[d.outcome]}.{back}{mentor} "
        "Both sides have been told the reason."
    )
