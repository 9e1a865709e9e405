"""`/admin broadcast` (issue 17): choose a segment, write the message, see a preview with
the number of people, confirm; every copy is queued in the outbox, whose per-platform
sending keeps each platform's rate limits."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, or_, select

from core.db.communities import Community
from core.dialogs.engine import Ctx, Dialog, Step, end, goto
from core.markup import esc, quote
from core.messaging import Asks, Button, Inbound, Reply
from core.payloads import Payload
from core.services.broadcast import SEGMENTS, audience
from core.skills import SkillMatch

NOT_ADMIN = Reply("Only admins can do that.")
VERBS = ("broadcast",)
LABELS = {
    "everyone": "Everyone",
    "mentors": "Mentors",
    "learners": "Learners",
    "community": "A community",
    "skill": "A skill",
}


@dataclass(frozen=True)
class AdmCast(Payload, prefix="adb"):
    what: str  # a segment | ok | no


class AdminBroadcast(Dialog):
    name = "admin_broadcast"
    title = "admin: broadcast"
    prefixes = ("adb",)

    async def start(self, ctx: Ctx, args: str) -> Step:
        if not ctx.user.is_admin:
            return end(NOT_ADMIN)
        return goto("segment", await self.prompt(ctx, "segment"))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        if state == "segment":
            return Reply(
                "*Broadcast* — who should get it?",
                buttons=tuple((Button(LABELS[s], AdmCast(s).pack()),) for s in SEGMENTS),
            )
        if state == "community":
            return Reply(
                "Which community? Type its name or its short name.",
                asks=Asks("Community", max_length=80),
            )
        if state == "skill":
            return Reply("Which skill? Type it, e.g. python.", asks=Asks("Skill", max_length=80))
        if state == "text":
            return Reply(
                f"Write the message for {esc(ctx.str_data('label'))}. You'll see a preview "
                "before anything is sent. (/cancel to stop)",
                asks=Asks("Message", max_length=2000, multiline=True),
            )
        n = len(await self._people(ctx))
        return Reply(
            f"*Preview* — to {esc(ctx.str_data('label'))}, {n} "
            f"{'person' if n == 1 else 'people'}:\n\n{_message(ctx.str_data('text')).text}",
            buttons=(
                (
                    Button(f"Confirm: send to {n}", AdmCast("ok").pack()),
                    Button("Cancel", AdmCast("no").pack()),
                ),
            ),
        )

    async def _people(self, ctx: Ctx) -> list[int]:
        return await audience(ctx.session, ctx.str_data("segment"), ctx.int_data("ref"))

    async def on_segment(self, ctx: Ctx, inbound: Inbound) -> Step:
        raw = ctx.action_of(inbound)
        p = AdmCast.parse(raw) if raw else None
        typed = (ctx.text_of(inbound) or "").strip().casefold()
        segment = p.what if p is not None else typed
        if segment not in SEGMENTS:
            return await self.retry(ctx, "segment", "Please tap one of the groups.")
        ctx.data.update({"segment": segment, "ref": 0, "label": LABELS[segment].lower()})
        if segment in ("community", "skill"):
            return goto(segment, await self.prompt(ctx, segment))
        return goto("text", await self.prompt(ctx, "text"))

    async def on_community(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = (ctx.text_of(inbound) or "").strip()
        if not text:
            return await self.retry(ctx, "community", "Please type a community's name.")
        pattern = f"%{text.replace('%', '').replace('_', '')}%"
        rows = list(
            await ctx.session.scalars(
                select(Community)
                .where(
                    or_(
                        func.lower(Community.slug) == text.casefold(),
                        Community.name.ilike(pattern),
                    )
                )
                .order_by(Community.id)
                .limit(2)
            )
        )
        if len(rows) != 1:
            what = "No community" if not rows else "More than one community"
            return await self.retry(ctx, "community", f"{what} matches {quote(text)}.")
        ctx.data.update({"ref": rows[0].id, "label": f"members of {rows[0].name}"})
        return goto("text", await self.prompt(ctx, "text"))

    async def on_skill(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = (ctx.text_of(inbound) or "").strip()
        hit = ctx.deps.catalog.index.resolve(text) if text else None
        if not isinstance(hit, SkillMatch):
            return await self.retry(ctx, "skill", f"I don't know the skill {quote(text)}.")
        ctx.data.update({"ref": hit.skill.id, "label": f"people with {hit.skill.name}"})
        return goto("text", await self.prompt(ctx, "text"))

    async def on_text(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound)
        if not text or not 3 <= len(text) <= 2000:
            return await self.retry(ctx, "text", "Please write 3 to 2000 characters.")
        ctx.data["text"] = text
        return goto("confirm", await self.prompt(ctx, "confirm"))

    async def on_confirm(self, ctx: Ctx, inbound: Inbound) -> Step:
        raw = ctx.action_of(inbound)
        p = AdmCast.parse(raw) if raw else None
        if p is None or p.what not in ("ok", "no"):
            return await self.retry(ctx, "confirm", "Tap Confirm to send, or Cancel.")
        if p.what == "no":
            return end(Reply("Not sent."))
        if not ctx.user.is_admin:
            return end(NOT_ADMIN)
        people = await self._people(ctx)
        message = _message(ctx.str_data("text"))
        for uid in people:
            await ctx.u.notify(uid, [message], kind="broadcast")
        await ctx.u.audit.record(
            ctx.user.id,
            "broadcast",
            f"segment:{ctx.str_data('segment')}:{ctx.int_data('ref')}",
            f"to {len(people)}: {ctx.str_data('text')[:400]}",
        )
        return end(
            Reply(
                f"Queued for {len(people)} {'person' if len(people) == 1 else 'people'}; the "
                "outbox delivers them at each platform's pace (`/admin outbox` shows progress)."
            )
        )


def _message(text: str) -> Reply:
    return Reply(f"📣 *From the MentorBot team*\n{esc(text)}")
