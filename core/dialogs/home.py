"""A person's home: profile, upcoming sessions and wallet at a glance (Slack's App Home)."""

from __future__ import annotations

from core.dialogs.engine import Conversations, Ctx
from core.dialogs.menu import Menu
from core.dialogs.sessions import booking_line
from core.forms import FormRef
from core.markup import esc
from core.messaging import Actor, Button, ConversationKey, Reply
from core.text import amount_text
from core.views import profile_card

UPCOMING_SHOWN = 5


async def home_replies(ctx: Ctx) -> list[Reply]:
    uid = ctx.user.id
    mp = await ctx.mentors.existing(uid)
    can_apply = mp is None or mp.status in ("draft", "rejected")
    apply = Button("🎓 Become a mentor", FormRef("apply").pack())
    if ctx.user.onboarded:
        card = profile_card(
            await ctx.profiles.view(uid), ctx.now, own=True, base_url=ctx.deps.policies.public_url
        )
        row = [Button("✏️ Edit profile", FormRef("profile").pack())]
        if can_apply:
            row.append(apply)
    else:
        card = "You haven't set up your profile yet. Send me a message here to start."
        row = [Button("✨ Set up my profile", Menu("start").pack()), apply]
    out = [Reply(card, buttons=(tuple(row),))]

    upcoming = await ctx.bookings.of_user(uid, upcoming=True, limit=UPCOMING_SHOWN + 1)
    lines = [await booking_line(ctx, b) for b in upcoming[:UPCOMING_SHOWN]]
    tz = ctx.user.timezone or "UTC"
    head = f"*Upcoming sessions* (times in {esc(tz)})"
    if not lines:
        body = "Nothing booked yet."
    else:
        more = "\n…and more under My sessions." if len(upcoming) > UPCOMING_SHOWN else ""
        body = "\n".join(lines) + more
    out.append(
        Reply(
            f"{head}\n{body}",
            buttons=(
                (
                    Button("📅 My sessions", Menu("sessions").pack()),
                    Button("🔎 Find a mentor", Menu("find").pack()),
                ),
            ),
        )
    )

    ledger = ctx.money.ledger
    balances = await ledger.wallet_balances(uid)
    held = await ledger.held_for(uid)
    wallet = [
        "*Wallet*",
        f"- Money: {amount_text(balances.get('INR', 0), 'INR')}",
        f"- Credits: {amount_text(balances.get('CREDIT', 0), 'CREDIT')}",
    ]
    wallet += [f"- Waiting to be paid out: {amount_text(a, c)}" for c, a in held.items()]
    out.append(
        Reply("\n".join(wallet), buttons=((Button("💰 My wallet", Menu("wallet").pack()),),))
    )
    return out


async def home(conv: Conversations, actor: Actor) -> list[Reply]:
    return await conv.converse(actor, ConversationKey.private(actor), home_replies, save=False)
