"""`/admin reports` (issue 17): the queue of reported things across the whole service, with
dismiss / delete / warn / mute / suspend on each. Community message reports come from
core.db.moderation (acted on through core.services.moderation, so community moderators
see the same audit trail); every action is also in the admin audit log.

Another kind of report (people, direct messages) is one more function in SOURCES: it
returns its open items as replies with its own buttons.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy import func, select

from core.db.communities import Community
from core.db.dms import DmReport
from core.db.moderation import CommunityReport
from core.db.relay import RelayMessage
from core.db.schema import User
from core.dialogs.admin_people import AdmPeople
from core.dialogs.engine import Ctx, Dialog, Step, end, keep
from core.dialogs.safety import reports_reply
from core.markup import esc, quote
from core.messaging import Button, Reply
from core.payloads import Payload
from core.services.relay import RelayError

NOT_ADMIN = Reply("Only admins can do that.")
VERBS = ("reports",)
MUTE_MINUTES = 24 * 60


@dataclass(frozen=True)
class AdmReport(Payload, prefix="adr"):
    what: str  # dismiss | delete | warn | mute; dmdismiss (message_id: a DM report's id)
    message_id: int


async def community_message_reports(ctx: Ctx, limit: int) -> list[Reply]:
    rows = (
        await ctx.session.execute(
            select(
                RelayMessage,
                Community.name,
                func.count(CommunityReport.id),
                func.max(CommunityReport.reason),
            )
            .join(RelayMessage, RelayMessage.id == CommunityReport.message_id)
            .join(Community, Community.id == CommunityReport.community_id)
            .where(CommunityReport.state == "open")
            .group_by(RelayMessage.id, Community.name)
            .order_by(func.min(CommunityReport.id))
            .limit(limit)
        )
    ).all()
    out = []
    for m, community, n, reason in rows:
        why = f" — “{esc(reason)}”" if reason else ""
        out.append(
            Reply(
                f"*Reported message #{m.id}* in {esc(community)} by {esc(m.author_name)} "
                f"(user {m.author_id}), {n} report{'s' if n != 1 else ''}{why}\n"
                f"{quote(m.text, 300)}",
                buttons=(
                    (
                        Button("Dismiss", AdmReport("dismiss", m.id).pack()),
                        Button("Delete message", AdmReport("delete", m.id).pack()),
                    ),
                    (
                        Button("Warn", AdmReport("warn", m.id).pack()),
                        Button("Mute 24 h", AdmReport("mute", m.id).pack()),
                        Button("Suspend author", AdmPeople("suspend", m.author_id).pack()),
                    ),
                ),
            )
        )
    return out


async def person_reports(ctx: Ctx, limit: int) -> list[Reply]:
    """Reports about people (from profiles and sessions: core.services.safety)."""
    if not await ctx.u.safety.open_reports(limit=1):
        return []
    return await reports_reply(ctx)


async def direct_message_reports(ctx: Ctx, limit: int) -> list[Reply]:
    """Reported direct messages (kept as evidence while the report is open)."""
    rows = (
        await ctx.session.execute(
            select(DmReport, RelayMessage)
            .join(RelayMessage, RelayMessage.id == DmReport.message_id)
            .where(DmReport.state == "open")
            .order_by(DmReport.id)
            .limit(limit)
        )
    ).all()
    out = []
    for r, m in rows:
        why = f" — “{esc(r.reason)}”" if r.reason else ""
        out.append(
            Reply(
                f"*Reported direct message #{m.id}* by {esc(m.author_name)} "
                f"(user {m.author_id}), reported by user {r.reporter_id}{why}\n"
                f"{quote(m.text, 300)}",
                buttons=(
                    (
                        Button("Dismiss", AdmReport("dmdismiss", r.id).pack()),
                        Button("Suspend author", AdmPeople("suspend", m.author_id).pack()),
                    ),
                ),
            )
        )
    return out


ReportSource = Callable[[Ctx, int], Awaitable[list[Reply]]]
# Every kind of report the queue shows, in this order.
SOURCES: tuple[ReportSource, ...] = (
    community_message_reports,
    person_reports,
    direct_message_reports,
)


class AdminReports(Dialog):
    name = "admin_reports"
    title = "admin: reports"

    async def start(self, ctx: Ctx, args: str) -> Step:
        if not ctx.user.is_admin:
            return end(NOT_ADMIN)
        replies: list[Reply] = []
        for source in SOURCES:
            replies += await source(ctx, 10)
        return end(*(replies or [Reply("No open reports. 🎉")]))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply("/admin reports")


async def on_admin_report_action(ctx: Ctx, payload: str) -> Step:
    p = AdmReport.parse(payload)
    if p is None:
        return keep(Reply("That admin button is broken."))
    if not ctx.user.is_admin:
        return keep(NOT_ADMIN)
    if p.what == "dmdismiss":  # message_id is the DM report's id here
        report = await ctx.session.get(DmReport, p.message_id)
        if report is None or report.state != "open":
            return keep(Reply("That report is closed already."))
        report.state = "dismissed"
        await ctx.u.audit.record(ctx.user.id, "report.dismiss", f"dm_report:{report.id}", "")
        return keep(Reply(f"Report on direct message #{report.message_id} dismissed."))
    msg = await ctx.session.get(RelayMessage, p.message_id)
    if msg is None:
        return keep(Reply("That message is gone."))
    mod = ctx.u.moderation
    author = await ctx.session.get(User, msg.author_id)
    try:
        if p.what == "dismiss":
            said = await mod.dismiss(ctx.user, msg.community_id, msg.id)
        elif p.what == "delete":
            said = await mod.delete(ctx.user, msg, "reported; deleted by an admin")
        elif p.what == "mute" and author is not None:
            said = await mod.sanction_user(
                ctx.user, msg.community_id, author, "mute", "reported message", MUTE_MINUTES
            )
        elif p.what == "warn" and author is not None:
            community = await ctx.session.get(Community, msg.community_id)
            where = esc(community.name) if community else "a community"
            await ctx.u.notify(
                author.id,
                [
                    Reply(
                        f"⚠️ An admin warns you about your message in {where}: "
                        f"{quote(msg.text, 120)}. Please keep to the community's rules."
                    )
                ],
            )
            said = f"{esc(author.display_name)} has been warned."
        else:
            return keep(Reply("Unknown admin action."))
    except RelayError as exc:
        return keep(Reply(f"Nothing changed: {esc(str(exc))}"))
    await ctx.u.audit.record(
        ctx.user.id, f"report.{p.what}", f"message:{msg.id}", f"by user {msg.author_id}"
    )
    return keep(Reply(said))
