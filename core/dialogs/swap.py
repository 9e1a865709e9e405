"""`/swap`: people who teach what you want and want what you teach, best first; pick one,
pick when they teach you (their free time) and when you teach them (yours), both shown in
your zone; both halves go to the partner as one proposal to accept or decline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.booking.payloads import Sw
from core.booking.service import BookingError
from core.booking.swaps import SwapMatch, swap_line
from core.booking.views import day_label, when
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, keep
from core.markup import esc
from core.messaging import Button, Inbound, Reply
from core.payloads import Payload

SLOTS_SHOWN = 8
PER_DAY = 2


@dataclass(frozen=True)
class Sp(Payload, prefix="sp"):
    """A step answer inside the swap dialog."""

    what: str  # who | slot | ok | stop
    value: int


def _describe(m: SwapMatch) -> str:
    extra = [f"free at the same time {m.overlap_h:g} h a week" if m.overlap_h else ""]
    if m.languages:
        extra.append("you both speak " + ", ".join(m.languages))
    tail = "; ".join(e for e in extra if e)
    return swap_line(m, m.i_teach[0], m.they_teach[0]) + (f" ({tail})" if tail else "") + "."


def _spread(slots: list[datetime], tz: str) -> list[datetime]:
    """A few starts across the coming days, at most PER_DAY a day."""
    out: list[datetime] = []
    per_day: dict[str, int] = {}
    for s in slots:
        day = day_label(s, tz)
        if per_day.get(day, 0) < PER_DAY:
            per_day[day] = per_day.get(day, 0) + 1
            out.append(s)
        if len(out) >= SLOTS_SHOWN:
            break
    return out


class SwapDialog(Dialog):
    name = "swap"
    title = "your skill swap"
    prefixes = ("sp",)

    def _tz(self, ctx: Ctx) -> str:
        return ctx.user.timezone or "UTC"

    async def start(self, ctx: Ctx, args: str) -> Step:
        matches = await ctx.u.swaps.partners(ctx.user.id)
        if not matches:
            return end(
                Reply(
                    "No skill swap partners yet. A swap needs you to teach (as an approved "
                    "mentor, /mentor) and to want to learn (skills in /profile); I look for "
                    "mentors who teach what you want and want what you teach."
                )
            )
        ctx.data["matches"] = {
            str(m.partner_id): [m.learn_skill_id, m.teach_skill_id] for m in matches
        }
        lines = ["🔁 *Skill swaps*: you teach each other, one credit each way."]
        lines += [f"- {esc(_describe(m))}" for m in matches]
        buttons = tuple(
            (Button(f"🔁 Swap with {m.name}", Sp("who", m.partner_id).pack()),) for m in matches
        )
        return goto("who", Reply("\n".join(lines), buttons=buttons))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        if state == "who":
            return Reply("Tap “Swap with …” to propose a swap, or say cancel.")
        if state in ("learn", "teach"):
            learn, teach, length = await ctx.u.swaps.offers(ctx.user.id, ctx.int_data("partner"))
            tz = self._tz(ctx)
            if state == "learn":
                offer, learner = learn, ctx.user.id
                q = f"When will *{esc(learn.name)}* teach you? Their free times, in your zone"
            else:
                offer, learner = teach, learn.mentor_id
                q = f"When will you teach *{esc(learn.name)}*? Your free times, in your zone"
            slots = _spread(await ctx.bookings.free_slots(offer, learner, length), tz)
            if not slots:
                return Reply("No free times in common in the next two weeks. Say cancel.")
            return Reply(
                f"{q} ({esc(tz)}), {length} min:",
                buttons=tuple(
                    (Button(when(s, tz, with_zone=False), Sp("slot", int(s.timestamp())).pack()),)
                    for s in slots
                ),
            )
        learn_at = datetime.fromtimestamp(ctx.int_data("learn_at"), tz=ctx.now.tzinfo)
        teach_at = datetime.fromtimestamp(ctx.int_data("teach_at"), tz=ctx.now.tzinfo)
        tz = self._tz(ctx)
        return Reply(
            f"Propose this swap?\n- They teach you: {esc(when(learn_at, tz))}\n"
            f"- You teach them: {esc(when(teach_at, tz))}\n"
            "One credit of yours is held now; theirs when they accept. If one half is "
            "cancelled, the other is handled by the swap policy.",
            buttons=(
                (
                    Button("✅ Send proposal", Sp("ok", 1).pack()),
                    Button("Stop", Sp("stop", 0).pack()),
                ),
            ),
        )

    async def on_who(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Sp.parse(ctx.action_of(inbound) or "")
        matches = ctx.data.get("matches")
        if p is None or p.what != "who" or not isinstance(matches, dict):
            return await self.retry(ctx, "who", "Please tap one of the people.")
        skills = matches.get(str(p.value))
        if not isinstance(skills, list):
            return await self.retry(ctx, "who", "Please tap one of the people.")
        ctx.data.update({"partner": p.value, "learn_skill": skills[0], "teach_skill": skills[1]})
        try:
            await ctx.u.swaps.offers(ctx.user.id, p.value)
        except BookingError as exc:
            return end(Reply(str(exc)))
        return goto("learn", await self.prompt(ctx, "learn"))

    async def _slot(self, ctx: Ctx, inbound: Inbound, state: str) -> int | None:
        p = Sp.parse(ctx.action_of(inbound) or "")
        return p.value if p is not None and p.what == "slot" else None

    async def on_learn(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (at := await self._slot(ctx, inbound, "learn")) is None:
            return await self.retry(ctx, "learn", "Please tap one of the times.")
        ctx.data["learn_at"] = at
        return goto("teach", await self.prompt(ctx, "teach"))

    async def on_teach(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (at := await self._slot(ctx, inbound, "teach")) is None:
            return await self.retry(ctx, "teach", "Please tap one of the times.")
        ctx.data["teach_at"] = at
        return goto("confirm", await self.prompt(ctx, "confirm"))

    async def on_confirm(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Sp.parse(ctx.action_of(inbound) or "")
        if p is None or p.what not in ("ok", "stop"):
            return await self.retry(ctx, "confirm", "Tap “Send proposal” or “Stop”.")
        if p.what == "stop":
            return end(Reply("Nothing was sent."))
        try:
            swap = await ctx.u.swaps.propose(
                ctx.user.id,
                ctx.int_data("partner"),
                datetime.fromtimestamp(ctx.int_data("learn_at"), tz=ctx.now.tzinfo),
                datetime.fromtimestamp(ctx.int_data("teach_at"), tz=ctx.now.tzinfo),
                ctx.int_data("learn_skill"),
                ctx.int_data("teach_skill"),
            )
        except BookingError as exc:
            return end(Reply(str(exc)))
        return end(
            Reply(
                f"📨 Swap #{swap.id} proposed: both sessions are held until they answer. "
                "See them in /sessions."
            )
        )


async def on_swap_action(ctx: Ctx, payload: str) -> Step:
    p = Sw.parse(payload)
    if p is None:
        return keep(Reply("That button is broken."))
    try:
        if p.what == "acc":
            await ctx.u.swaps.accept(p.swap, ctx.user.id)
            return keep(Reply("🔁 Swap accepted: both sessions are confirmed (/sessions)."))
        if p.what == "dec":
            await ctx.u.swaps.decline(p.swap, ctx.user.id)
            return keep(Reply("Swap declined; they have been told."))
    except BookingError as exc:
        return keep(Reply(str(exc)))
    return keep(Reply("That button is broken."))
