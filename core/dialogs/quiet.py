"""/quiet: a person's quiet hours (core.quiet) — `/quiet 22:00-07:00`, `/quiet 10pm to 7am`,
`/quiet off`, or buttons from /quiet and the profile. Notifications that can wait are held
in the window, in the person's own zone, and sent when it ends."""

from __future__ import annotations

from dataclasses import dataclass

from core.db.quiet import quiet_of, set_quiet
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, keep
from core.markup import esc
from core.messaging import Button, Inbound, Reply
from core.payloads import Payload
from core.quiet import QuietHours, read_quiet

# One-tap windows (local minutes after midnight); anything else is typed.
PRESETS: dict[str, QuietHours] = {
    "22-7": QuietHours(22 * 60, 7 * 60),
    "23-8": QuietHours(23 * 60, 8 * 60),
    "21-6": QuietHours(21 * 60, 6 * 60),
}
HOW = "Type your quiet hours like 22:00-07:00 or “10pm to 7am”, or “off”."


@dataclass(frozen=True)
class Qh(Payload, prefix="qh"):
    what: str  # a PRESETS key | off | type | show


def quiet_button() -> Button:
    return Button("🌙 Quiet hours", Qh("show").pack())


def _zone(ctx: Ctx) -> str:
    return ctx.user.timezone or "UTC"


async def quiet_line(ctx: Ctx) -> str:
    """How the profile and /quiet show the setting."""
    q = await quiet_of(ctx.session, ctx.user.id)
    if q is None:
        return "🌙 Quiet hours: off (notifications come at any hour)"
    return f"🌙 Quiet hours: {q.label} ({esc(_zone(ctx))})"


async def status(ctx: Ctx) -> Reply:
    zone_note = "" if ctx.user.timezone else " Your time zone isn't set, so UTC is used: /profile."
    return Reply(
        f"{await quiet_line(ctx)}\nIn quiet hours, news that can wait (direct messages, "
        "favourites' new times, broadcasts, action items) is held and sent when they end; "
        "session reminders, booking and payment messages and codes still come at once. "
        "The messages themselves are on the web at once." + zone_note,
        buttons=(
            tuple(Button(q.label, Qh(key).pack()) for key, q in PRESETS.items()),
            (Button("✏️ Other times", Qh("type").pack()), Button("Off", Qh("off").pack())),
        ),
    )


async def save(ctx: Ctx, q: QuietHours | None) -> Reply:
    await set_quiet(ctx.session, ctx.user.id, q, ctx.now)
    if q is None:
        return Reply("🌙 Quiet hours are off: notifications come at any hour.")
    return Reply(
        f"🌙 Quiet hours: {q.label} every night ({esc(_zone(ctx))}). News that can wait is "
        "held until they end. `/quiet off` switches them off."
    )


class QuietDialog(Dialog):
    name = "quiet"
    title = "quiet hours"

    async def start(self, ctx: Ctx, args: str) -> Step:
        what = args.strip()
        if not what:
            return end(await status(ctx))
        if what == "type":  # the "Other times" button
            return goto("typing", await self.prompt(ctx, "typing"))
        got = read_quiet(what)
        if isinstance(got, str):
            # Keep the question open: the next message is read as the hours.
            return goto("typing", Reply(got), await self.prompt(ctx, "typing"))
        return end(await save(ctx, got))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply(HOW + " /cancel keeps what you had.")

    async def on_typing(self, ctx: Ctx, inbound: Inbound) -> Step:
        text = ctx.text_of(inbound)
        if not text:
            return await self.retry(ctx, "typing", "Quiet hours are typed as two times.")
        got = read_quiet(text)
        if isinstance(got, str):
            return await self.retry(ctx, "typing", got)
        return end(await save(ctx, got))


async def on_quiet_action(ctx: Ctx, payload: str) -> Step:
    p = Qh.parse(payload)
    if p is None:
        return keep(Reply("That button is broken."))
    if p.what == "type":
        return Step((), None, start=("quiet", "type"))
    if p.what == "show":
        return keep(await status(ctx))
    if p.what == "off":
        return keep(await save(ctx, None))
    q = PRESETS.get(p.what)
    if q is None:
        return keep(Reply("That button is broken."))
    return keep(await save(ctx, q))
