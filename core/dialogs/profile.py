"""Viewing profiles (your own with edit buttons, a mentor's with reviews) and linked accounts."""

from __future__ import annotations

from dataclasses import dataclass

from core.avatars import picture_path
from core.booking.payloads import Bk
from core.booking.reputation import reputation
from core.db.schema import MentorProfile
from core.dialogs.dms import intro_button, message_button
from core.dialogs.engine import Ctx, Dialog, Step, end, handoff, keep
from core.dialogs.group import Gp
from core.dialogs.quiet import quiet_button, quiet_line
from core.dialogs.safety import safety_row
from core.markup import esc
from core.messaging import AVATAR, Button, Reply
from core.payloads import Payload
from core.services.buttons import ViewProfile
from core.services.follows import Fav, follow, follow_button, is_following, unfollow
from core.views import profile_card, reviews_text


@dataclass(frozen=True)
class Edit(Payload, prefix="pe"):
    field: str


@dataclass(frozen=True)
class MakePrimary(Payload, prefix="pp"):
    account_id: int


FIELD_LABELS = {
    "name": "Name",
    "learn_skills": "Skills to learn",
    "teach_skills": "Skills I teach",
    "goals": "Goals",
    "languages": "Languages",
    "timezone": "Time zone",
    "availability": "Availability",
    "age": "Age group",
    "photo": "Photo",
    "headline": "Headline",
    "bio": "Bio",
    "years": "Experience",
    "price": "Price",
    "lengths": "Session lengths",
    "extras": "Certifications / video",
}


def _rows(fields: list[str]) -> tuple[tuple[Button, ...], ...]:
    buttons = [Button(FIELD_LABELS[f], Edit(f).pack()) for f in fields]
    return tuple(tuple(buttons[i : i + 3]) for i in range(0, len(buttons), 3))


class OwnProfile(Dialog):
    name = "profile"
    title = "your profile"

    async def start(self, ctx: Ctx, args: str) -> Step:
        view = await ctx.profiles.view(ctx.user.id)
        if not view.onboarded and not view.teaches and not view.learns:
            return handoff(
                "onboarding", "", Reply("You don't have a profile yet — let's make one.")
            )
        fields = [
            "name",
            "learn_skills",
            "goals",
            "languages",
            "timezone",
            "availability",
            "age",
            "photo",
        ]
        if view.wants_to_mentor:
            fields[2:2] = ["teach_skills"]
            fields += ["headline", "bio", "years", "price", "lengths", "extras"]
        accounts = await ctx.identity.accounts_of(ctx.user.id)
        lines = []
        for acc in accounts:
            mark = " (notifications go here)" if acc.id == ctx.user.primary_account_id else ""
            here = " ← this chat" if acc.id == ctx.account.id else ""
            lines.append(f"- {acc.platform}: {acc.display_name}{mark}{here}")
        rows = list(_rows(fields))
        rows.append((quiet_button(),))
        if ctx.account.id != ctx.user.primary_account_id and len(accounts) > 1:
            rows.append((Button("Send notifications here", MakePrimary(ctx.account.id).pack()),))
        text = (
            profile_card(view, ctx.now, own=True, base_url=ctx.deps.policies.public_url)
            + "\n\nLinked accounts:\n"
            + "\n".join(lines)
            + f"\n{await quiet_line(ctx)}"
            + "\n\nTap a field to change it."
        )
        picture = picture_path(await ctx.trust.avatar(ctx.user.id), "large")
        meta = ((AVATAR, picture),) if picture else ()
        return end(Reply(text, buttons=tuple(rows), meta=meta))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply("Tap a field to change it.")


async def on_edit(ctx: Ctx, payload: str) -> Step:
    p = Edit.parse(payload)
    if p is None or p.field not in FIELD_LABELS:
        return keep(Reply("That field can't be edited."))
    if p.field in ("teach_skills", "headline", "bio", "years", "price", "lengths", "extras"):
        mp = await ctx.session.get(MentorProfile, ctx.user.id)
        if mp is None:
            return handoff("onboarding", "apply")
    return handoff("onboarding", f"edit:{p.field}")


async def mentor_profile_reply(
    ctx: Ctx, payload: str, buttons: tuple[tuple[Button, ...], ...] = ()
) -> Reply:
    """A mentor's card with reviews; only approved mentors are shown to other people."""
    p = ViewProfile.parse(payload)
    if p is None:
        return Reply("That profile link is broken.")
    mp = await ctx.session.get(MentorProfile, p.user_id)
    if mp is None or (
        mp.status != "approved" and not ctx.user.is_admin and p.user_id != ctx.user.id
    ):
        return Reply("That mentor isn't available any more.", buttons=buttons)
    view = await ctx.profiles.view(p.user_id)
    reviews = await ctx.profiles.reviews(p.user_id)
    rep = await reputation(ctx.session, p.user_id)
    text = (
        profile_card(view, ctx.now, own=False, base_url=ctx.deps.policies.public_url)
        + (f"\nReliability: {rep.line()}" if rep.has_history else "")
        + "\n\n*Reviews*\n"
        + reviews_text(reviews)
    )
    picture = picture_path(await ctx.trust.avatar(p.user_id), "large")
    meta = ((AVATAR, picture),) if picture else ()
    if p.user_id != ctx.user.id:
        blocked = await ctx.u.safety.has_blocked(ctx.user.id, p.user_id)
        if mp.status == "approved" and not await ctx.u.safety.blocked_between(
            ctx.user.id, p.user_id
        ):
            following = await is_following(ctx.session, ctx.user.id, p.user_id)
            book = (
                Button("📅 Book a session", Bk("book", p.user_id).pack()),
                follow_button(p.user_id, following),
            )
            # Once booked, a learner may write to the mentor; before, send one short intro.
            booked = await ctx.u.dms.has_booked(ctx.user.id, p.user_id)
            write = message_button(p.user_id) if booked else intro_button(p.user_id)
            buttons = (book, (write,), *buttons)
            groups = await ctx.bookings.open_groups(p.user_id)
            if groups:
                text += (
                    f"\n\n👥 {len(groups)} open group session(s): see them with the button below."
                )
                label = f"👥 Group sessions ({len(groups)})"
                buttons = ((Button(label, Gp("list", p.user_id).pack()),), *buttons)
        buttons = (*buttons, safety_row(p.user_id, blocked=blocked))
    return Reply(text, buttons=buttons, meta=meta)


async def on_view(ctx: Ctx, payload: str) -> Step:
    return keep(await mentor_profile_reply(ctx, payload))


async def on_follow(ctx: Ctx, payload: str) -> Step:
    """Follow or unfollow a mentor; following tells you when they open new times."""
    p = Fav.parse(payload)
    mp = await ctx.session.get(MentorProfile, p.mentor_id) if p is not None else None
    if p is None or mp is None or (p.on and mp.status != "approved"):
        return keep(Reply("That mentor isn't available any more."))
    if p.mentor_id == ctx.user.id:
        return keep(Reply("That's your own profile — you can't follow yourself."))
    name = (await ctx.profiles.user(p.mentor_id)).display_name
    if not p.on:
        await unfollow(ctx.session, ctx.user.id, p.mentor_id)
        return keep(
            Reply(
                f"You no longer follow *{esc(name)}*.",
                buttons=((follow_button(p.mentor_id, following=False),),),
            )
        )
    await follow(ctx.session, ctx.user.id, p.mentor_id, ctx.now)
    return keep(
        Reply(
            f"★ You follow *{esc(name)}*: I'll message you when they open new times.",
            buttons=((follow_button(p.mentor_id, following=True),),),
        )
    )


async def on_primary(ctx: Ctx, payload: str) -> Step:
    p = MakePrimary.parse(payload)
    accounts = {a.id: a for a in await ctx.identity.accounts_of(ctx.user.id)}
    if p is None or p.account_id not in accounts:
        return keep(Reply("That account isn't linked to your profile."))
    await ctx.identity.set_primary(ctx.user, accounts[p.account_id])
    acc = accounts[p.account_id]
    return keep(Reply(f"Done — notifications will go to {acc.platform} ({acc.display_name})."))
