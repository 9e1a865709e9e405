"""Block and report people (issue 18, part 3): from a mentor's profile and from /sessions.

A block asks once, then lists the bookings between the two with a penalty-free cancel. A report
takes a reason category (buttons) and a few words, and goes to the admins' queue.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.payloads import Bk
from core.booking.tables import ACTIVE, Booking
from core.db.safety import PersonReport
from core.db.schema import User
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff, keep
from core.markup import esc
from core.messaging import Asks, Button, Inbound, Reply
from core.numbers import as_int
from core.payloads import Payload
from core.services.buttons import Adm
from core.services.safety import CATEGORIES, CATEGORY_LABELS, MAX_REPORT_TEXT, SafetyError
from core.uow import UnitOfWork


@dataclass(frozen=True)
class Sf(Payload, prefix="sf"):
    """A safety button about a person: block | blockok | unblock | report."""

    what: str
    target: int
    booking: int = 0


@dataclass(frozen=True)
class RepCat(Payload, prefix="rc"):
    category: str


def safety_row(target_id: int, *, blocked: bool, booking_id: int = 0) -> tuple[Button, ...]:
    first = (
        Button("Unblock", Sf("unblock", target_id, booking_id).pack())
        if blocked
        else Button("🚫 Block", Sf("block", target_id, booking_id).pack())
    )
    return (first, Button("⚑ Report", Sf("report", target_id, booking_id).pack()))


async def _name(ctx: Ctx, user_id: int) -> str | None:
    return await _user_name(ctx.session, user_id)


async def _user_name(s: AsyncSession, user_id: int) -> str | None:
    u = await s.get(User, user_id)
    return u.display_name if u is not None and u.merged_into_id is None else None


async def shared_bookings(ctx: Ctx, a: int, b: int) -> list[Booking]:
    return list(
        await ctx.session.scalars(
            select(Booking)
            .where(
                Booking.status.in_(ACTIVE),
                or_(
                    and_(Booking.mentor_id == a, Booking.learner_id == b),
                    and_(Booking.mentor_id == b, Booking.learner_id == a),
                ),
            )
            .order_by(Booking.starts_at)
        )
    )


async def on_safety_action(ctx: Ctx, payload: str) -> Step:
    p = Sf.parse(payload)
    if p is None:
        return keep(Reply("That button is broken."))
    name = await _name(ctx, p.target)
    if name is None:
        return keep(Reply("I can't find that person."))
    if p.target == ctx.user.id:
        return keep(Reply("That's you."))
    safety = ctx.u.safety
    if p.what == "block":
        return keep(
            Reply(
                f"Block *{esc(name)}*? Neither of you can book the other, and they won't show "
                "in your search. Sessions already booked between you can be cancelled without "
                "a penalty. They aren't told.",
                buttons=(
                    (
                        Button("Yes, block", Sf("blockok", p.target, p.booking).pack()),
                        Button("No", "menu:menu"),
                    ),
                ),
            )
        )
    if p.what == "blockok":
        try:
            await safety.block(ctx.user.id, p.target)
        except SafetyError as exc:
            return keep(Reply(str(exc)))
        booked = await shared_bookings(ctx, ctx.user.id, p.target)
        rows = tuple(
            (Button(f"Cancel #{b.id} (no penalty)", Bk("cancel", b.id).pack()),) for b in booked
        )
        extra = (
            f"\nYou have {len(booked)} session(s) booked with them; cancel below if you like."
            if booked
            else ""
        )
        return keep(
            Reply(
                f"🚫 You blocked *{esc(name)}*.{extra}",
                buttons=(*rows, (Button("Unblock", Sf("unblock", p.target).pack()),)),
            )
        )
    if p.what == "unblock":
        done = await safety.unblock(ctx.user.id, p.target)
        return keep(Reply(f"You unblocked *{esc(name)}*." if done else "You hadn't blocked them."))
    if p.what == "report":
        return handoff("report", f"{p.target}:{p.booking}")
    return keep(Reply("That button is broken."))


class ReportPerson(Dialog):
    """Report a person: a reason category, then a few words; the report goes to the admins."""

    name = "report"
    title = "your report"
    prefixes = ("rc",)

    async def start(self, ctx: Ctx, args: str) -> Step:
        target_text, _, booking_text = args.partition(":")
        target = as_int(target_text)
        name = await _name(ctx, target) if target is not None else None
        if target is None or name is None or target == ctx.user.id:
            return end(Reply("I can't find that person."))
        booking = as_int(booking_text) or 0
        if booking:
            b = await ctx.session.get(Booking, booking)
            mine = b is not None and {b.mentor_id, b.learner_id} == {ctx.user.id, target}
            booking = booking if mine else 0
        ctx.data.update({"target": target, "booking": booking, "name": name})
        return goto("category", await self.prompt(ctx, "category"))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        name = esc(ctx.str_data("name"))
        if state == "category":
            buttons = [Button(CATEGORY_LABELS[c], RepCat(c).pack()) for c in CATEGORIES]
            return Reply(
                f"Why are you reporting *{name}*?",
                buttons=(tuple(buttons[:3]), tuple(buttons[3:])),
            )
        return Reply(
            f"What happened? A few words help the admins (about *{name}*).",
            asks=Asks("What happened?", max_length=MAX_REPORT_TEXT, multiline=True),
        )

    async def on_category(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = RepCat.parse(ctx.action_of(inbound) or "")
        typed = (ctx.text_of(inbound) or "").casefold()
        category = p.category if p is not None else typed
        if category not in CATEGORIES:
            return await self.retry(ctx, "category", "Tap one of the reasons below.")
        ctx.data["category"] = category
        return goto("text", await self.prompt(ctx, "text"))

    async def on_text(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound) or ""
        if not text:
            return await self.retry(ctx, "text", "Type what happened, in a few words.")
        if len(text) > MAX_REPORT_TEXT:
            return await self.retry(
                ctx, "text", f"Please keep it under {MAX_REPORT_TEXT} characters."
            )
        try:
            await ctx.u.safety.report(
                ctx.user.id,
                ctx.int_data("target"),
                ctx.str_data("category"),
                text,
                booking_id=ctx.int_data("booking") or None,
            )
        except SafetyError as exc:
            return end(Reply(str(exc)))
        target = ctx.int_data("target")
        blocked = await ctx.u.safety.has_blocked(ctx.user.id, target)
        extra = "" if blocked else " You can also block them."
        return end(
            Reply(
                f"Thanks — your report about *{esc(ctx.str_data('name'))}* is with the admins."
                + extra,
                buttons=() if blocked else ((Button("🚫 Block", Sf("block", target).pack()),),),
            )
        )


async def person_report_items(u: UnitOfWork, limit: int) -> list[tuple[PersonReport, str]]:
    """Open reports about people, oldest first, with the text admins read in chat and on
    the dashboard."""
    out = []
    for r in await u.safety.open_reports(limit=limit):
        target = await _user_name(u.session, r.target_user_id) or f"user {r.target_user_id}"
        reporter = await _user_name(u.session, r.reporter_id) or f"user {r.reporter_id}"
        session = f" · session #{r.booking_id}" if r.booking_id else ""
        out.append(
            (
                r,
                f"*#{r.id}* {esc(target)} (#{r.target_user_id}) · {esc(r.category)}{session}\n"
                f"by {esc(reporter)}: “{esc(r.text)}”",
            )
        )
    return out


async def reports_reply(ctx: Ctx) -> list[Reply]:
    """/admin reports: the open reports about people, oldest first, with their decisions."""
    items = await person_report_items(ctx.u, 20)
    if not items:
        return [Reply("No open reports about people.")]
    out = [Reply(f"*Open reports about people* ({len(items)})")]
    for r, text in items:
        out.append(
            Reply(
                text,
                buttons=(
                    (
                        Button("Dismiss", Adm("rdis", r.id).pack()),
                        Button("Dealt with", Adm("ract", r.id).pack()),
                        Button("Suspend mentor", Adm("sus", r.target_user_id).pack()),
                    ),
                ),
            )
        )
    return out


async def decide_report(ctx: Ctx, report_id: int, state: str) -> Reply:
    return await decide_person_report(ctx.u, ctx.user, report_id, state)


async def decide_person_report(u: UnitOfWork, admin: User, report_id: int, state: str) -> Reply:
    """Dismiss a report about a person or mark it dealt with (chat buttons and the
    dashboard's form), in the admin audit log."""
    if not admin.is_admin:
        return Reply("Only admins can do that.")
    try:
        report = await u.safety.decide(report_id, admin.id, state)
    except SafetyError as exc:
        return Reply(str(exc))
    await u.audit.record(
        admin.id,
        f"report.{state}",
        f"person_report:{report.id}",
        f"about user {report.target_user_id}",
    )
    return Reply(f"Report #{report.id} {report.state}.")
