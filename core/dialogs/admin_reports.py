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
from sqlalchemy.ext.asyncio import AsyncSession

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
from core.uow import UnitOfWork

NOT_ADMIN = Reply("Only admins can do that.")
VERBS = ("reports",)
MUTE_MINUTES = 24 * 60


@dataclass(frozen=True)
class AdmReport(Payload, prefix="adr"):
    what: str  # dismiss | delete | warn | mute; dmdismiss (message_id: a DM report's id)
    message_id: int


async def message_report_items(s: AsyncSession, limit: int) -> list[tuple[RelayMessage, str]]:
    """Open reports on community messages, one item per message (oldest report first), with
    the text admins read in chat and on the dashboard."""
    rows = (
        await s.execute(
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
            (
                m,
                f"*Reported message #{m.id}* in {esc(community)} by {esc(m.author_name)} "
                f"(user {m.author_id}), {n} report{'s' if n != 1 else ''}{why}\n"
                f"{quote(m.text, 300)}",
            )
        )
    return out


async def community_message_reports(ctx: Ctx, limit: int) -> list[Reply]:
    return [
        Reply(
            text,
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
        for m, text in await message_report_items(ctx.session, limit)
    ]


async def person_reports(ctx: Ctx, limit: int) -> list[Reply]:
    """Reports about people (from profiles and sessions: core.services.safety)."""
    if not await ctx.u.safety.open_reports(limit=1):
        return []
    return await reports_reply(ctx)


async def dm_report_items(s: AsyncSession, limit: int) -> list[tuple[DmReport, RelayMessage, str]]:
    """Open reports on direct messages (kept as evidence while the report is open)."""
    rows = (
        await s.execute(
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
            (
                r,
                m,
                f"*Reported direct message #{m.id}* by {esc(m.author_name)} "
                f"(user {m.author_id}), reported by user {r.reporter_id}{why}\n"
                f"{quote(m.text, 300)}",
            )
        )
    return out


async def direct_message_reports(ctx: Ctx, limit: int) -> list[Reply]:
    return [
        Reply(
            text,
            buttons=(
                (
                    Button("Dismiss", AdmReport("dmdismiss", r.id).pack()),
                    Button("Suspend author", AdmPeople("suspend", m.author_id).pack()),
                ),
            ),
        )
        for r, m, text in await dm_report_items(ctx.session, limit)
    ]


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
    return keep(await act_on_report(ctx.u, ctx.user, p.what, p.message_id))


async def act_on_report(u: UnitOfWork, admin: User, what: str, target: int) -> Reply:
    """One action on a reported message: the one code path for the chat's buttons and the
    dashboard's form. `target` is the message's id (a DM report's id for dmdismiss)."""
    if not admin.is_admin:
        return NOT_ADMIN
    if what == "dmdismiss":
        report = await u.session.get(DmReport, target)
        if report is None or report.state != "open":
            return Reply("That report is closed already.")
        report.state = "dismissed"
        await u.audit.record(admin.id, "report.dismiss", f"dm_report:{report.id}", "")
        return Reply(f"Report on direct message #{report.message_id} dismissed.")
    msg = await u.session.get(RelayMessage, target)
    if msg is None:
        return Reply("That message is gone.")
    mod = u.moderation
    author = await u.session.get(User, msg.author_id)
    try:
        if what == "dismiss":
            said = await mod.dismiss(admin, msg.community_id, msg.id)
        elif what == "delete":
            said = await mod.delete(admin, msg, "reported; deleted by an admin")
        elif what == "mute" and author is not None:
            said = await mod.sanction_user(
                admin, msg.community_id, author, "mute", "reported message", MUTE_MINUTES
            )
        elif what == "warn" and author is not None:
            community = await u.session.get(Community, msg.community_id)
            where = esc(community.name) if community else "a community"
            await u.notify(
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
            return Reply("Unknown admin action.")
    except RelayError as exc:
        return Reply(f"Nothing changed: {esc(str(exc))}")
    await u.audit.record(
        admin.id, f"report.{what}", f"message:{msg.id}", f"by user {msg.author_id}"
    )
    return Reply(said)
