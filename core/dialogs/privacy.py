"""/privacy: what is stored about you, an export of it, and erasure after a grace period."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.booking.views import when
from core.dialogs.engine import Ctx, Dialog, Step, end, keep
from core.markup import esc
from core.messaging import Attachment, Button, Reply
from core.payloads import Payload


@dataclass(frozen=True)
class Priv(Payload, prefix="priv"):
    what: str  # export | delete | deleteok | cancel


TABLE_LABELS = {
    "users": "profile",
    "accounts": "chat accounts",
    "user_skills": "skills",
    "user_languages": "languages",
    "availability_windows": "availability",
    "mentor_profiles": "mentor profile",
    "bookings": "bookings",
    "ledger_accounts": "wallets",
    "ledger_transfers": "ledger entries",
    "session_ratings": "ratings you wrote",
    "reviews": "reviews you wrote",
    "relay_messages": "community messages",
    "consent_records": "consent records",
    "outbox": "messages sent to you",
    "chat_log": "web chat history",
    "conversations": "conversation state",
}


def _when(ctx: Ctx, at: datetime) -> str:
    return when(at, ctx.user.timezone)


async def summary(ctx: Ctx) -> Reply:
    stored = await ctx.u.privacy.stored(ctx.user.id)
    lines = [
        f"- {TABLE_LABELS.get(name, name.replace('_', ' '))}: {n}"
        for name, n in sorted(stored.counts().items())
    ]
    pending = await ctx.u.privacy.pending_erasure(ctx.user.id)
    rows: list[tuple[Button, ...]] = [(Button("📦 Export my data", Priv("export").pack()),)]
    note = ""
    if pending is not None:
        note = (
            f"\n\n⏳ Your data will be erased on {esc(_when(ctx, pending.due_at))}. "
            "Changed your mind? /privacy cancel"
        )
        rows.append((Button("Keep my data", Priv("cancel").pack()),))
    else:
        rows.append((Button("🗑 Delete my data", Priv("delete").pack()),))
    return Reply(
        "*What MentorBot stores about you* (rows per kind):\n"
        + "\n".join(lines)
        + "\n\n/privacy export sends all of it as a ZIP (JSON and CSV). /privacy delete erases "
        f"it after {ctx.deps.policies.erasure_grace_days} days (cancellable)." + note,
        buttons=tuple(rows),
    )


async def export_reply(ctx: Ctx) -> Reply:
    data = await ctx.u.privacy.export_zip(ctx.user.id)
    return Reply(
        "📦 Everything stored about you: data.json plus one CSV per table. Other people "
        "appear only by name.",
        attachment=Attachment(f"mentorbot-data-{ctx.user.id}.zip", "application/zip", data),
    )


def delete_question(ctx: Ctx) -> Reply:
    days = ctx.deps.policies.erasure_grace_days
    return Reply(
        f"Delete your data? In {days} days your profile, skills, chat accounts, messages and "
        "history are erased. Payments and bookings stay in the books under "
        f"“Deleted user #{ctx.user.id}”; reviews you wrote stay, anonymised. Sessions still "
        f"to come are cancelled then. Until then /privacy cancel keeps everything.",
        buttons=(
            (
                Button("Yes, delete my data", Priv("deleteok").pack()),
                Button("No", "menu:menu"),
            ),
        ),
    )


async def act(ctx: Ctx, what: str) -> Reply:
    if what == "export":
        return await export_reply(ctx)
    if what == "delete":
        return delete_question(ctx)
    if what == "deleteok":
        req = await ctx.u.privacy.request_erasure(ctx.user.id)
        return Reply(
            f"🗑 Your data will be erased on {esc(_when(ctx, req.due_at))}. Changed your mind? "
            "/privacy cancel",
            buttons=((Button("Keep my data", Priv("cancel").pack()),),),
        )
    if what == "cancel":
        done = await ctx.u.privacy.cancel_erasure(ctx.user.id)
        return Reply("Cancelled: nothing will be erased." if done else "No deletion was planned.")
    return await summary(ctx)


class PrivacyDialog(Dialog):
    name = "privacy"
    title = "your data"

    async def start(self, ctx: Ctx, args: str) -> Step:
        what = args.strip().casefold()
        if what and what not in ("export", "delete", "cancel"):
            return end(Reply("Use /privacy, /privacy export, /privacy delete or /privacy cancel."))
        return end(await act(ctx, what))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply("Your data: /privacy")


async def on_privacy_action(ctx: Ctx, payload: str) -> Step:
    p = Priv.parse(payload)
    if p is None:
        return keep(Reply("That button is broken."))
    return keep(await act(ctx, p.what))
