"""Admin people verbs (issue 17): `/admin user`, `suspend`, `reinstate`, `grant`, `revoke`,
`merge`. Opened from the admin dialog and from the buttons on a person's card; the right is
checked here on every step (granting admin: super-admins from settings only)."""

from __future__ import annotations

from dataclasses import dataclass

from core.booking.admin_money import amount_text
from core.booking.admin_people import PeopleError, Person
from core.db.schema import User
from core.dialogs.admin_money import AdmMoney
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff, keep
from core.markup import esc, quote
from core.messaging import Asks, Button, Inbound, Reply
from core.numbers import as_int
from core.payloads import Payload
from core.services.identity import admin_keys
from core.uow import UnitOfWork

NOT_ADMIN = Reply("Only admins can do that.")
NOT_SUPER = Reply("Only the super-admins named in the settings (MENTORBOT_ADMINS) can do that.")
VERBS = ("user", "suspend", "reinstate", "grant", "revoke", "merge")
# verb -> (question, past tense for the admin)
CHANGES = {
    "suspend": ("Why suspend {name}? They will see this reason.", "Suspended"),
    "reinstate": ("Why reinstate {name}? They will see this reason.", "Reinstated"),
    "grant": ("Why make {name} an admin? (for the audit log)", "Made an admin:"),
    "revoke": ("Why remove {name}'s admin right? (for the audit log)", "Removed admin from"),
}


@dataclass(frozen=True)
class AdmPeople(Payload, prefix="adp"):
    what: str  # card | suspend | reinstate | grant | revoke
    target: int


def suspended_reply(reason: str) -> Reply:
    return Reply(
        "Your account is suspended"
        + (f": {esc(reason)}" if reason else ".")
        + " If you think this is a mistake, reply to the admin who told you."
    )


def is_super(ctx: Ctx) -> bool:
    return bool(admin_keys(ctx.actor) & ctx.deps.admins)


def person_reply(ctx: Ctx, p: Person) -> Reply:
    u = p.user
    role = ["admin"] if u.is_admin else []
    if p.mentor_status:
        role.append(f"mentor ({p.mentor_status})")
    if u.wants_to_learn or not p.mentor_status:
        role.append("learner")
    lines = [f"*{esc(u.display_name)}* · id {u.id} · {', '.join(role)}"]
    if p.suspension is not None:
        lines.append(
            f"⛔ Suspended since {p.suspension.since:%d %b %Y}: {esc(p.suspension.reason)}"
        )
    lines.append("Accounts:")
    for a in p.accounts:
        gone = " (unreachable)" if a.unreachable else ""
        lines.append(f"- {esc(a.platform)}: {esc(a.display_name)} ({esc(a.external_id)}){gone}")
    if p.bookings:
        summary = ", ".join(f"{st} {n}" for st, n in sorted(p.bookings.items()))
        lines.append(f"Bookings: {summary}")
    else:
        lines.append("Bookings: none")
    wallet = ", ".join(amount_text(v, c) for c, v in sorted(p.wallet.items())) or "empty"
    held = ", ".join(amount_text(v, c) for c, v in sorted(p.held.items()) if v)
    lines.append(f"Wallet: {wallet}" + (f" (withdrawing {held})" if held else ""))
    lines.append(f"Reports about their messages: {p.reports} · community mutes/bans: {p.sanctions}")
    if p.audit:
        lines.append("Recent admin actions:")
        for e in p.audit:
            lines.append(f"- {e.created_at:%d %b %H:%M} {esc(e.action)}: {esc(e.detail[:80])}")
    rows: list[tuple[Button, ...]] = []
    if p.suspension is None:
        rows.append((Button("Suspend", AdmPeople("suspend", u.id).pack()),))
    else:
        rows.append((Button("Reinstate", AdmPeople("reinstate", u.id).pack()),))
    if p.last_paid_booking is not None:
        rows.append(
            (
                Button(
                    f"Refund last booking #{p.last_paid_booking}",
                    AdmMoney("rf", p.last_paid_booking).pack(),
                ),
            )
        )
    if is_super(ctx):
        what = "revoke" if u.is_admin else "grant"
        label = "Remove admin" if u.is_admin else "Make admin"
        rows.append((Button(label, AdmPeople(what, u.id).pack()),))
    return Reply("\n".join(lines), buttons=tuple(rows))


class AdminPeopleDialog(Dialog):
    name = "admin_people"
    title = "admin: people"

    async def start(self, ctx: Ctx, args: str) -> Step:
        if not ctx.user.is_admin:
            return end(NOT_ADMIN)
        words = args.split(maxsplit=1)
        verb = words[0].casefold() if words else ""
        rest = words[1].strip() if len(words) > 1 else ""
        if verb == "user":
            return await self._user(ctx, rest)
        if verb == "card":
            return end(await self._card(ctx, as_int(rest) or 0))
        if verb == "merge":
            return end(await self._merge(ctx, rest))
        if verb in CHANGES:
            target_text, _, reason = rest.partition(" ")
            target = as_int(target_text.lstrip("#"))
            if target is None:
                return end(Reply(f"Usage: `/admin {verb} USER_ID REASON`"))
            if verb in ("grant", "revoke") and not is_super(ctx):
                return end(NOT_SUPER)
            ctx.data.update({"verb": verb, "target": target})
            if len(reason.strip()) < 3:
                return goto("reason", await self.prompt(ctx, "reason"))
            return end(await self._change(ctx, reason.strip()))
        return end(Reply("Usage: `/admin user NAME|ID|@HANDLE`"))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        if state == "reason":
            target = await ctx.session.get(User, ctx.int_data("target"))
            name = esc(target.display_name) if target else f"#{ctx.int_data('target')}"
            question = CHANGES[ctx.str_data("verb", "suspend")][0].format(name=name)
            return Reply(
                question + " (/cancel to stop)",
                asks=Asks("Reason", max_length=500, multiline=True),
            )
        return Reply("/admin user NAME")

    async def _user(self, ctx: Ctx, query: str) -> Step:
        if not query:
            return end(Reply("Usage: `/admin user NAME|ID|@HANDLE`"))
        found = await ctx.u.admin_people.find(query)
        if not found:
            return end(Reply(f"Nobody matches {quote(query)}."))
        if len(found) == 1:
            return end(await self._card(ctx, found[0].id))
        return end(
            Reply(
                f"{len(found)} people match {quote(query)}. Which one?",
                buttons=tuple(
                    (Button(f"{u.display_name[:30]} (#{u.id})", AdmPeople("card", u.id).pack()),)
                    for u in found
                ),
            )
        )

    async def _card(self, ctx: Ctx, user_id: int) -> Reply:
        p = await ctx.u.admin_people.person(user_id)
        if p is None:
            return Reply(f"There is no user #{user_id}.")
        return person_reply(ctx, p)

    async def on_reason(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound)
        if not text or not 3 <= len(text) <= 500:
            return await self.retry(ctx, "reason", "Please give a reason of 3 to 500 characters.")
        return end(await self._change(ctx, text))

    async def _change(self, ctx: Ctx, reason: str) -> Reply:
        verb = ctx.str_data("verb")
        if verb in ("grant", "revoke") and not is_super(ctx):
            return NOT_SUPER
        return await change_person(ctx.u, ctx.user, verb, ctx.int_data("target"), reason)

    async def _merge(self, ctx: Ctx, rest: str) -> Reply:
        words = rest.split(maxsplit=2)
        keep_id = as_int(words[0].lstrip("#")) if words else None
        drop_id = as_int(words[1].lstrip("#")) if len(words) > 1 else None
        reason = words[2].strip() if len(words) > 2 else ""
        if keep_id is None or drop_id is None or len(reason) < 3:
            return Reply(
                "Usage: `/admin merge KEEP_ID DUPLICATE_ID REASON` — the duplicate's chat "
                "accounts and wallet move to KEEP_ID."
            )
        try:
            keep_user = await ctx.u.admin_people.merge(ctx.user, keep_id, drop_id, reason)
        except PeopleError as exc:
            return Reply(f"Nothing changed: {esc(str(exc))}")
        return Reply(
            f"Merged #{drop_id} into {esc(keep_user.display_name)} (#{keep_id}): "
            "their chat accounts and wallet are one now."
        )


async def change_person(u: UnitOfWork, admin: User, verb: str, target: int, reason: str) -> Reply:
    """Suspend, reinstate, grant or revoke (the caller checks the super-admin right for the
    last two), and tell the person: the one code path for chat and the dashboard's form."""
    if not admin.is_admin:
        return NOT_ADMIN
    people = u.admin_people
    try:
        if verb == "suspend":
            user = await people.suspend(admin, target, reason)
            told = f"Your MentorBot account has been suspended by an admin. Reason: {esc(reason)}"
        elif verb == "reinstate":
            user = await people.reinstate(admin, target, reason)
            told = f"Your MentorBot account is active again. Reason: {esc(reason)}"
        elif verb in ("grant", "revoke"):
            user = await people.set_admin(admin, target, verb == "grant", reason)
            told = (
                "You're now a MentorBot admin: /admin shows what you can do."
                if verb == "grant"
                else "You're no longer a MentorBot admin."
            )
        else:
            return Reply("Unknown admin action.")
    except PeopleError as exc:
        return Reply(f"Nothing changed: {esc(str(exc))}")
    await u.notify(user.id, [Reply(told)])
    return Reply(f"{CHANGES[verb][1]} {esc(user.display_name)}. They've been told.")


async def on_admin_people_action(ctx: Ctx, payload: str) -> Step:
    p = AdmPeople.parse(payload)
    if p is None:
        return keep(Reply("That admin button is broken."))
    if not ctx.user.is_admin:
        return keep(NOT_ADMIN)
    if p.what == "card":
        return handoff("admin_people", f"card {p.target}")
    if p.what in CHANGES:
        return handoff("admin_people", f"{p.what} {p.target}")
    return keep(Reply("Unknown admin action."))
