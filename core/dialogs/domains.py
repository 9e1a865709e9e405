"""/admin domains: the colleges and companies whose email addresses people verify (issue 18)."""

from __future__ import annotations

from core.dialogs.engine import Ctx
from core.markup import esc
from core.messaging import Reply
from core.services.verification import LABELS, parse_domain

USAGE = (
    "Usage: `/admin domains`, `/admin domains add DOMAIN college|company`, "
    "`/admin domains remove DOMAIN`."
)


async def domains_reply(ctx: Ctx, words: list[str]) -> Reply:
    """List, add or remove a domain (the caller checked the person is an admin)."""
    v = ctx.u.verification
    verb = words[0].casefold() if words else ""
    if verb == "add":
        domain = parse_domain(words[1]) if len(words) > 1 else None
        label = words[2].casefold() if len(words) > 2 else ""
        if domain is None or label not in LABELS or len(words) > 3:
            return Reply("Write it like `/admin domains add iitb.ac.in college`.\n" + USAGE)
        await v.add_domain(ctx.user, domain, label)
        return Reply(f"Listed *{esc(domain)}* as a {label}.")
    if verb == "remove":
        domain = parse_domain(words[1]) if len(words) > 1 else None
        if domain is None:
            return Reply("Write it like `/admin domains remove iitb.ac.in`.")
        if not await v.remove_domain(domain):
            return Reply(f"{esc(domain)} isn't on the list.")
        return Reply(f"Removed *{esc(domain)}* from the list.")
    if verb:
        return Reply(USAGE)
    rows = await v.domains()
    p = ctx.u.policies
    rules = [
        "only listed domains can be verified"
        if p.verify_listed_domains_only
        else "any domain can be verified",
        "mentors must be verified" if p.mentor_needs_verified_email else "",
        "paid bookings need a verified email" if p.paid_booking_needs_verified_email else "",
    ]
    head = "*Email domains* (" + "; ".join(r for r in rules if r) + ")"
    if not rows:
        return Reply(head + "\nNone listed yet.\n" + USAGE)
    lines = [f"- {esc(d.domain)} · {esc(d.label)}" for d in rows]
    return Reply(head + "\n" + "\n".join(lines) + "\n" + USAGE)
