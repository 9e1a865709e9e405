"""/community: my communities, browse by skill, join (openly or with an invite code), leave,
and create one (admins, and mentors with a record)."""

from __future__ import annotations

from core.booking.reputation import reputation
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff, keep
from core.dialogs.moderate import WORDS as MOD_WORDS
from core.dialogs.moderate import here, moderate, queue_action
from core.markup import esc
from core.messaging import Asks, Button, Inbound, Reply
from core.services.buttons import Cm
from core.services.communities import (
    ABOUT_MAX,
    NAME_MAX,
    VISIBILITIES,
    CommunityError,
)
from core.services.relay import RelayError
from core.skills import SkillMatch
from core.views import community_line, community_suggestions

VISIBILITY_WORDS = {
    "public": "anyone can find and join it",
    "unlisted": "not listed; anyone with its name can join",
    "invite": "only people with the invite code",
}


async def may_create(ctx: Ctx) -> bool:
    if ctx.user.is_admin:
        return True
    if not ctx.user.wants_to_mentor:
        return False
    rep = await reputation(ctx.session, ctx.user.id)
    return rep.completed >= ctx.deps.policies.community_creator_min_sessions


async def suggestions(ctx: Ctx, skill_ids: list[int]) -> Reply | None:
    """Communities about the person's skills they aren't in yet (after onboarding)."""
    return community_suggestions(await ctx.u.communities.suggested(ctx.user.id, skill_ids))


class Communities(Dialog):
    name = "community"
    title = "creating a community"
    prefixes = ("cm",)

    async def start(self, ctx: Ctx, args: str) -> Step:
        verb, _, rest = args.strip().partition(" ")
        verb = verb.casefold()
        if verb in ("", "mine", "my"):
            return end(await self._mine(ctx))
        if verb in ("browse", "find", "search"):
            return end(await self._browse(ctx, rest))
        if verb == "join":
            return end(await self._join_code(ctx, rest))
        if verb == "leave":
            return end(await self._leave_list(ctx))
        if verb in ("invite", "code"):
            return end(await self._invites(ctx))
        if verb in MOD_WORDS:
            return end(await moderate(ctx, verb, rest))
        if verb == "link":
            return end(await self._link(ctx, rest))
        if verb == "unlink":
            return end(await self._unlink(ctx))
        if verb in ("create", "new"):
            if not await may_create(ctx):
                return end(Reply(self._cannot_create(ctx)))
            return goto("name", await self.prompt(ctx, "name"))
        # "/community python": a browse by that skill.
        return end(await self._browse(ctx, args))

    def _cannot_create(self, ctx: Ctx) -> str:
        n = ctx.deps.policies.community_creator_min_sessions
        return (
            "Admins create communities, and so can mentors once they have completed "
            f"{n} sessions. Until then, ask an admin — or join one: /community browse"
        )

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        if state == "name":
            return Reply(
                "What's the community called? (e.g. “Pune React Developers”)",
                asks=Asks("Community name", NAME_MAX),
            )
        if state == "about":
            return Reply(
                "In a sentence or two: who is it for, and what happens there?",
                asks=Asks("What it is about", ABOUT_MAX, multiline=True),
            )
        if state == "skills":
            return Reply(
                "Which skills is it about? Separate them with commas (e.g. `React, JavaScript`).",
                asks=Asks("Skills", 300),
            )
        if state == "visibility":
            return Reply(
                "Who can join?",
                buttons=tuple(
                    (Button(f"{v}: {VISIBILITY_WORDS[v]}", Cm("vis", i).pack()),)
                    for i, v in enumerate(VISIBILITIES)
                ),
            )
        return Reply("/community")

    async def on_name(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = " ".join((ctx.text_of(inbound) or "").split())
        if not 3 <= len(text) <= NAME_MAX:
            return await self.retry(ctx, "name", f"A name is 3 to {NAME_MAX} characters.")
        ctx.data["name"] = text
        return goto("about", await self.prompt(ctx, "about"))

    async def on_about(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = (ctx.text_of(inbound) or "").strip()
        if not 10 <= len(text) <= ABOUT_MAX:
            return await self.retry(
                ctx, "about", f"Please write 10 to {ABOUT_MAX} characters about it."
            )
        ctx.data["about"] = text
        return goto("skills", await self.prompt(ctx, "skills"))

    async def on_skills(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound) or ""
        index = ctx.deps.catalog.index
        found = index.find_in(text)
        unknown = [p.strip() for p in text.split(",") if p.strip() and index.exact(p) is None]
        unknown = [u for u in unknown if not isinstance(index.resolve(u), SkillMatch)]
        if not found:
            return await self.retry(
                ctx, "skills", "I didn't find a skill I know in that — try e.g. `Python, SQL`."
            )
        ctx.data["skills"] = [r.id for r in found]
        note = [Reply(f"Skipped what I don't know: {esc(', '.join(unknown))}.")] if unknown else []
        return goto("visibility", *note, await self.prompt(ctx, "visibility"))

    async def on_visibility(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Cm.parse(ctx.action_of(inbound) or "")
        typed = (ctx.text_of(inbound) or "").strip().casefold()
        if p is not None and p.what == "vis" and 0 <= p.target < len(VISIBILITIES):
            vis = VISIBILITIES[p.target]
        elif typed in VISIBILITIES:
            vis = typed
        else:
            return await self.retry(ctx, "visibility", "Please choose public, unlisted or invite.")
        raw = ctx.data.get("skills")
        skills = [s for s in raw if isinstance(s, int)] if isinstance(raw, list) else []
        try:
            c = await ctx.u.communities.create(
                ctx.user, ctx.str_data("name"), ctx.str_data("about"), skills, vis
            )
        except CommunityError as exc:
            return end(Reply(str(exc)))
        return end(
            Reply(
                f"Created {community_line(c)}. You're its owner.\n"
                f"People join with `/community join {c.invite_code}`"
                + (" or find it under /community browse." if vis == "public" else ".")
            )
        )

    async def _link(self, ctx: Ctx, code: str) -> Reply:
        chat = here(ctx)
        if chat is None:
            return Reply(
                "Run `/community link CODE` in the group or channel you want to link, with "
                "the community's invite code (its owners see it under /community invite)."
            )
        c = await ctx.u.communities.by_code(code)
        if c is None:
            return Reply("That code doesn't match a community. `/community invite` shows it.")
        try:
            said = await ctx.u.relay.link(ctx.user, c, chat, "")
        except RelayError as exc:
            return Reply(str(exc))
        return Reply(f"{said}\nIts web room: {ctx.deps.policies.public_url}/c/{c.slug}")

    async def _unlink(self, ctx: Ctx) -> Reply:
        chat = here(ctx)
        if chat is None:
            return Reply("Run `/community unlink` in the linked group or channel.")
        try:
            return Reply(await ctx.u.relay.unlink(ctx.user, chat))
        except RelayError as exc:
            return Reply(str(exc))

    async def _mine(self, ctx: Ctx) -> Reply:
        mine = await ctx.u.communities.mine(ctx.user.id)
        rows = [(Button("🔎 Browse communities", Cm("browse", 0).pack()),)]
        if await may_create(ctx):
            rows.append((Button("➕ Create one", Cm("create", 0).pack()),))
        if not mine:
            return Reply(
                "You're not in a community yet. Browse them by skill, or join one with its "
                "invite code: `/community join CODE`.",
                buttons=tuple(rows),
            )
        rows.append((Button("Leave one…", Cm("leave", 0).pack()),))
        return Reply(
            "*Your communities*\n" + "\n".join(f"- {community_line(c)}" for c in mine),
            buttons=tuple(rows),
        )

    async def _browse(self, ctx: Ctx, text: str) -> Reply:
        skill_ids = [r.id for r in ctx.deps.catalog.index.find_in(text)] if text.strip() else []
        if text.strip() and not skill_ids:
            res = ctx.deps.catalog.index.resolve(text)
            if isinstance(res, SkillMatch):
                skill_ids = [res.skill.id]
        found = await ctx.u.communities.browse(ctx.user.id, skill_ids)
        if not found:
            about = f" about {esc(text.strip())}" if text.strip() else ""
            return Reply(f"No public communities{about} yet.")
        return Reply(
            "*Communities*\n" + "\n".join(f"- {community_line(c)}" for c in found),
            buttons=tuple(
                (Button(f"Join {c.name[:40]}", Cm("join", c.id).pack()),)
                for c in found
                if c.role is None
            ),
        )

    async def _join_code(self, ctx: Ctx, code: str) -> Reply:
        c = await ctx.u.communities.by_code(code)
        if c is None:
            return Reply("That invite code doesn't match a community. Check it and try again.")
        return await self.join(ctx, c.id, code.strip())

    async def join(self, ctx: Ctx, community_id: int, code: str = "") -> Reply:
        try:
            c = await ctx.u.communities.join(ctx.user, community_id, code)
        except CommunityError as exc:
            return Reply(str(exc))
        rules = await ctx.u.moderation.rules(c.id)
        shown = f"\n\n*Rules*\n{esc(rules.rules)}" if rules is not None and rules.rules else ""
        return Reply(f"You're in {community_line(c)}. /community lists your communities.{shown}")

    async def _leave_list(self, ctx: Ctx) -> Reply:
        mine = await ctx.u.communities.mine(ctx.user.id)
        if not mine:
            return Reply("You're not in any community.")
        return Reply(
            "Which one do you want to leave?",
            buttons=tuple(
                (Button(f"Leave {c.name[:40]}", Cm("leave", c.id).pack()),) for c in mine
            ),
        )

    async def _invites(self, ctx: Ctx) -> Reply:
        mine = [c for c in await ctx.u.communities.mine(ctx.user.id) if c.role != "member"]
        if not mine:
            return Reply("Invite codes are for a community's owners and moderators.")
        return Reply(
            "\n".join(f"- *{esc(c.name)}*: `/community join {c.invite_code}`" for c in mine)
        )


async def on_community_action(ctx: Ctx, payload: str) -> Step:
    p = Cm.parse(payload)
    dialog = Communities()
    if p is None:
        return keep(Reply("That button is broken."))
    if p.what == "join":
        return keep(await dialog.join(ctx, p.target))
    if p.what in ("qdel", "qok"):
        return keep(await queue_action(ctx, p.what, p.target))
    if p.what == "browse":
        return keep(await dialog._browse(ctx, ""))
    if p.what == "create":
        return handoff("community", "create")
    if p.what == "leave" and p.target == 0:
        return keep(await dialog._leave_list(ctx))
    if p.what == "leave":
        try:
            name = await ctx.u.communities.leave(ctx.user, p.target)
        except CommunityError as exc:
            return keep(Reply(str(exc)))
        return keep(Reply(f"You left {esc(name)}."))
    return keep(Reply("That community button has expired — /community"))
