"""Admin: pending mentor applications, approve / reject with reason / suspend, new skill tags."""

from __future__ import annotations

from sqlalchemy import func, select

from core.booking.upgrade import fast_track_note
from core.db.changes import record_everything
from core.db.schema import MentorProfile, User
from core.delivery import DEAD, PARKED, PENDING, retry_dead
from core.dialogs.admin_broadcast import VERBS as CAST_VERBS
from core.dialogs.admin_money import VERBS as MONEY_VERBS
from core.dialogs.admin_people import VERBS as PEOPLE_VERBS
from core.dialogs.admin_reports import VERBS as REPORT_VERBS
from core.dialogs.admin_stats import export_reply, stats_replies
from core.dialogs.domains import domains_reply
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff, keep
from core.dialogs.safety import decide_report
from core.markup import esc, quote
from core.messaging import Asks, Button, Inbound, Reply
from core.numbers import as_int
from core.services.buttons import Adm, application_buttons
from core.uow import UnitOfWork
from core.views import profile_card


async def application_reply(ctx: Ctx, user_id: int) -> Reply:
    return Reply(await application_text(ctx.u, user_id), buttons=application_buttons(user_id))


async def application_text(u: UnitOfWork, user_id: int) -> str:
    """A pending application as admins read it, in chat and on the dashboard's queue."""
    view = await u.profiles.view(user_id)
    invite = await u.upgrades.invite_of(user_id)
    return (
        f"*Mentor application* · id {user_id}\n"
        + (esc(fast_track_note(invite)) + "\n" if invite is not None else "")
        + profile_card(view, u.now, own=False)
        + f"\n\nBy command: `/admin approve {user_id}` or `/admin reject {user_id} REASON`"
    )


async def decide_application(
    u: UnitOfWork, admin: User, verb: str, target: int, reason: str = ""
) -> Reply:
    """Approve, reject or suspend a mentor (the service tells them and writes the audit
    log): the one code path for the chat and the dashboard's form."""
    if verb == "approve":
        d = await u.mentors.approve(admin, target)
    elif verb == "reject":
        d = await u.mentors.reject(admin, target, reason)
    elif verb == "suspend":
        d = await u.mentors.suspend(admin, target, reason)
    else:
        return Reply("Unknown admin action.")
    if not d.ok:
        return Reply(d.message)
    user = await u.session.get(User, target)
    name = esc(user.display_name) if user else str(target)
    if verb == "approve":
        return Reply(f"Approved {name}. They've been told.")
    done = "Rejected" if verb == "reject" else "Suspended"
    return Reply(f"{done} {name}. They've been told the reason.")


NOT_ADMIN = Reply("Only admins can do that.")


class Admin(Dialog):
    name = "admin"
    title = "admin"

    async def _weights(self, ctx: Ctx, items: list[str]) -> Reply:
        """Matching blend weights (DESIGN §8): show, change (`skill=0.3 cf=0`) or `reset`."""
        rec = ctx.deps.recommender
        if rec is None:
            return Reply("Matching is off here (basic ranking), so there are no weights to set.")
        try:
            if items == ["reset"]:
                weights = await rec.reset_weights(ctx.now, ctx.session)
            elif items:
                changes: dict[str, float] = {}
                for item in items:
                    name, _, value = item.partition("=")
                    changes[name.strip().casefold()] = float(value)
                weights = await rec.set_weights(changes, ctx.now, ctx.session)
            else:
                weights = rec.weights()
        except ValueError as exc:
            return Reply(
                f"Not changed: {esc(str(exc))}. Write e.g. `/admin weights reputation=0.2 cf=0`."
            )
        if items:
            await record_everything(ctx.session, ctx.now)  # other processes reload the weights
        lines = [f"- {esc(k)}: {v:.2f}" for k, v in weights.items()]
        return Reply("*Matching weights*\n" + "\n".join(lines))

    async def start(self, ctx: Ctx, args: str) -> Step:
        if not ctx.user.is_admin:
            return end(NOT_ADMIN)
        words = args.split(maxsplit=2)
        verb = words[0].casefold() if words else ""
        target = as_int(words[1]) if len(words) > 1 else None
        reason = words[2] if len(words) > 2 else ""
        if verb in MONEY_VERBS:
            return handoff("admin_money", args)
        if verb in PEOPLE_VERBS:
            return handoff("admin_people", args)
        if verb in CAST_VERBS:
            return handoff("admin_broadcast", args)
        if verb in REPORT_VERBS:
            return handoff("admin_reports", args)
        if verb == "stats":
            return end(*await stats_replies(ctx, args.partition(" ")[2]))
        if verb == "export":
            return end(await export_reply(ctx, args.partition(" ")[2]))
        if verb == "pending":
            return end(*await self._pending(ctx))
        if verb == "tags":
            return end(*await self._tags(ctx))
        if verb == "domains":
            return end(await domains_reply(ctx, args.split()[1:]))
        if verb == "weights":
            return end(await self._weights(ctx, args.split()[1:]))
        if verb == "outbox":
            if len(words) > 1 and words[1].casefold() == "retry":
                which = words[2].strip() if len(words) > 2 else ""
                return end(await _retry(ctx, which))
            return end(await outbox_reply(ctx))
        if verb in ("approve", "reject", "suspend"):
            if target is None:
                return end(
                    Reply(
                        f"Usage: /admin {verb} USER_ID" + (" REASON" if verb != "approve" else "")
                    )
                )
            if verb == "approve":
                return end(await self._approve(ctx, target))
            if not reason:
                return await self._ask_reason(ctx, verb, target)
            return end(await self._decide(ctx, verb, target, reason))
        if verb.startswith("reason") and target is not None:
            return await self._ask_reason(
                ctx, words[0].split(":")[-1] if ":" in words[0] else "reject", target
            )
        if verb == "suspend-who":
            return goto("suspend_who", await self.prompt(ctx, "suspend_who"))
        counts = await ctx.mentors.count_by_status()
        tags = len(await ctx.deps.catalog.pending_tags(ctx.session))
        users = int(await ctx.session.scalar(select(func.count()).select_from(User)) or 0)
        text = (
            "*Admin*\n"
            f"- Users: {users}\n"
            f"- Mentors approved: {counts.get('approved', 0)}, pending: {counts.get('pending', 0)}, "
            f"rejected: {counts.get('rejected', 0)}, suspended: {counts.get('suspended', 0)}\n"
            f"- New skill tags to review: {tags}\n"
            "Commands: `/admin pending`, `/admin approve ID`, `/admin reject ID REASON`, "
            "`/admin suspend ID REASON`, `/admin tags`, `/admin weights [SIGNAL=W …|reset]`, "
            "`/admin outbox`, `/admin stats [week|month|quarter]`, `/admin export WHAT`, "
            "`/admin domains [add DOMAIN college|company|remove DOMAIN]`."
        )
        return end(
            Reply(
                text,
                buttons=(
                    (
                        Button(
                            f"Pending mentors ({counts.get('pending', 0)})", Adm("list", 0).pack()
                        ),
                        Button(f"Skill tags ({tags})", Adm("tags", 0).pack()),
                    ),
                    (Button("Suspend a mentor", Adm("suswho", 0).pack()),),
                ),
            )
        )

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        if state == "reason":
            verb = ctx.str_data("verb", "reject")
            target = await ctx.session.get(User, ctx.int_data("target"))
            who = esc(target.display_name) if target else "this mentor"
            return Reply(
                f"Why {'reject' if verb == 'reject' else 'suspend'} {who}? "
                "They will see this reason. (/cancel to stop)",
                asks=Asks("Reason (they will see it)", max_length=500, multiline=True),
            )
        if state == "suspend_who":
            return Reply(
                "Type the name (or part of it) of the mentor to suspend.",
                asks=Asks("Name of the mentor to suspend", max_length=100),
            )
        return Reply("/admin")

    async def _pending(self, ctx: Ctx) -> list[Reply]:
        rows = await ctx.mentors.pending(10)
        if not rows:
            return [Reply("No mentor applications are waiting. 🎉")]
        return [await application_reply(ctx, u.id) for u, _mp in rows]

    async def _tags(self, ctx: Ctx) -> list[Reply]:
        tags = await ctx.deps.catalog.pending_tags(ctx.session)
        if not tags:
            return [Reply("No new skill tags to review.")]
        return [
            Reply(
                f"New skill tag: *{esc(t.name)}*",
                buttons=(
                    (
                        Button("Approve", Adm("tok", t.id).pack()),
                        Button("Reject", Adm("tno", t.id).pack()),
                    ),
                ),
            )
            for t in tags[:20]
        ]

    async def _ask_reason(self, ctx: Ctx, verb: str, target: int) -> Step:
        """A reason is asked only for a decision that can still happen."""
        check = await ctx.mentors.can_move(target, "rejected" if verb == "reject" else "suspended")
        if not check.ok:
            return end(Reply(check.message))
        ctx.data.update({"verb": verb, "target": target})
        return goto("reason", await self.prompt(ctx, "reason"))

    async def _approve(self, ctx: Ctx, target: int) -> Reply:
        return await decide_application(ctx.u, ctx.user, "approve", target)

    async def _decide(self, ctx: Ctx, verb: str, target: int, reason: str) -> Reply:
        return await decide_application(ctx.u, ctx.user, verb, target, reason)

    async def on_reason(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound)
        if not text or not 3 <= len(text) <= 500:
            return await self.retry(ctx, "reason", "Please give a reason of 3 to 500 characters.")
        return end(
            await self._decide(ctx, ctx.str_data("verb", "reject"), ctx.int_data("target"), text)
        )

    async def on_suspend_who(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound)
        if not text:
            return await self.retry(ctx, "suspend_who", "Please type a name.")
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        rows = (
            await ctx.session.execute(
                select(User.id, User.display_name)
                .join(MentorProfile, MentorProfile.user_id == User.id)
                .where(MentorProfile.status == "approved", User.display_name.ilike(pattern))
                .order_by(User.display_name)
                .limit(8)
            )
        ).all()
        if not rows:
            return await self.retry(
                ctx, "suspend_who", f"No approved mentor matches {quote(text)}."
            )
        return end(
            Reply(
                "Which one?",
                buttons=tuple(
                    (Button(f"Suspend {r[1][:30]} (#{r[0]})", Adm("sus", r[0]).pack()),)
                    for r in rows
                ),
            )
        )


async def outbox_reply(ctx: Ctx) -> Reply:
    """Notifications not delivered yet, per state and platform, and the latest dead letters."""
    report = await ctx.deps.delivery.report(ctx.session)
    lines = ["*Outbox*"]
    for state, meaning in (
        (PENDING, "waiting or retrying"),
        (PARKED, "platform switched off"),
        (DEAD, "given up"),
    ):
        per = sorted((p, n) for (st, p), n in report.counts.items() if st == state)
        total = sum(n for _p, n in per)
        detail = ", ".join(f"{esc(p)} {n}" for p, n in per)
        lines.append(
            f"- {state.capitalize()} ({meaning}): {total}" + (f" ({detail})" if per else "")
        )
    if not report.dead:
        lines.append("No dead letters. 🎉")
        return Reply("\n".join(lines))
    lines.append("\n*Latest dead letters*")
    for d in report.dead:
        lines.append(
            f"- #{d.id} to user {d.user_id} on {esc(d.platform)}, {d.attempts} attempts: "
            f"{esc(d.reason)}"
        )
    lines.append("Retry by command: `/admin outbox retry ID` or `/admin outbox retry all`.")
    rows = [(Button(f"Retry #{d.id}", Adm("obr", d.id).pack()),) for d in report.dead[:5]]
    rows.append((Button("Retry all dead letters", Adm("oba", 0).pack()),))
    return Reply("\n".join(lines), buttons=tuple(rows))


async def _retry(ctx: Ctx, which: str) -> Reply:
    """Dead letters back to pending, delivered once this step commits."""
    if which.casefold() == "all":
        ids = await retry_dead(ctx.session)
    else:
        row_id = as_int(which.lstrip("#"))
        if row_id is None:
            return Reply("Usage: `/admin outbox retry ID` or `/admin outbox retry all`.")
        ids = await retry_dead(ctx.session, row_id)
    if not ids:
        return Reply("No such dead letter (it may have been retried already).")
    ctx.u.outbox.extend(ids)
    return Reply(f"Retrying {len(ids)} dead letter{'s' if len(ids) != 1 else ''} now.")


async def on_admin_action(ctx: Ctx, payload: str) -> Step:
    p = Adm.parse(payload)
    if p is None:
        return keep(Reply("That admin button is broken."))
    if not ctx.user.is_admin:
        return keep(NOT_ADMIN)
    admin = Admin()
    if p.what == "list":
        return keep(*await admin._pending(ctx))
    if p.what == "tags":
        return keep(*await admin._tags(ctx))
    if p.what == "ok":
        return keep(await admin._approve(ctx, p.target))
    if p.what in ("no", "sus"):
        verb = "reject" if p.what == "no" else "suspend"
        return handoff("admin", f"reason:{verb} {p.target}")
    if p.what in ("rdis", "ract"):
        state = "dismissed" if p.what == "rdis" else "actioned"
        return keep(await decide_report(ctx, p.target, state))
    if p.what == "suswho":
        return handoff("admin", "suspend-who")
    if p.what == "obr":
        return keep(await _retry(ctx, str(p.target)))
    if p.what == "oba":
        return keep(await _retry(ctx, "all"))
    if p.what in ("tok", "tno"):
        row = await ctx.deps.catalog.decide_tag(ctx.session, p.target, p.what == "tok")
        if row is None:
            return keep(Reply("That tag was already reviewed."))
        return keep(Reply(f"Skill tag “{esc(row.name)}” {row.status}."))
    return keep(Reply("Unknown admin action."))
