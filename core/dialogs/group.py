"""/group: group sessions (issue 19 part 6). A mentor offers one start to up to N learners
(time, length, seats, price per seat, topic) and can call it off (every seat refunded);
anyone sees the open ones and takes a seat, paid through the same checkout as a 1:1 session.
A taken seat is an ordinary booking: it is in /sessions, with join, cancel and rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta

from core.availability import read_time_of_day
from core.booking.service import BookingError
from core.booking.views import price_text, when
from core.currency import money, parse_money
from core.db.groups import GroupSession
from core.db.schema import MentorProfile
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff, keep
from core.dialogs.sessions import pay_reply
from core.markup import esc
from core.messaging import Asks, Button, Inbound, Reply
from core.numbers import as_int
from core.payloads import Payload
from core.timezones import zone

LENGTHS = (30, 45, 60, 90)
NOT_A_MENTOR = "Offering group sessions is for approved mentors. Apply with /mentor."


@dataclass(frozen=True)
class Gs(Payload, prefix="gof"):
    """A step answer inside the /group dialog: len | seats | price | ok | stop."""

    what: str
    value: int


@dataclass(frozen=True)
class Gp(Payload, prefix="gp"):
    """A group-session button valid anywhere: seat | cancel | cancelok (ref: the group),
    list (ref: a mentor), new."""

    what: str
    ref: int


def _tz(ctx: Ctx) -> str:
    return ctx.user.timezone or "UTC"


def seats_left(g: GroupSession) -> int:
    return g.seats - g.seats_taken


def group_line(g: GroupSession, name: str, tz: str) -> str:
    price = price_text(g.price_mode, g.amount_minor, g.currency)
    return (
        f"#{g.id} *{esc(g.topic or 'Group session')}* with {esc(name)} — "
        f"{esc(when(g.starts_at, tz))}, {g.length_min} min, {esc(price)} per seat, "
        f"{seats_left(g)} of {g.seats} seats left"
    )


async def _names(ctx: Ctx, groups: list[GroupSession]) -> dict[int, str]:
    out: dict[int, str] = {}
    for g in groups:
        if g.mentor_id not in out:
            out[g.mentor_id] = (await ctx.profiles.user(g.mentor_id)).display_name
    return out


async def groups_reply(ctx: Ctx, mentor_id: int | None = None) -> Reply:
    """Open group sessions (of one mentor), each with a "Take a seat" button."""
    groups = await ctx.bookings.open_groups(mentor_id)
    others = [g for g in groups if g.mentor_id != ctx.user.id]
    if not others:
        return Reply("There are no open group sessions right now.")
    names = await _names(ctx, others)
    tz = _tz(ctx)
    lines = [group_line(g, names[g.mentor_id], tz) for g in others]
    buttons = tuple(
        (Button(f"🎟 Take a seat in #{g.id}", Gp("seat", g.id).pack()),)
        for g in others
        if seats_left(g) > 0
    )
    return Reply("*Open group sessions*\n" + "\n".join(f"- {x}" for x in lines), buttons=buttons)


async def _is_mentor(ctx: Ctx) -> bool:
    mp = await ctx.session.get(MentorProfile, ctx.user.id)
    return mp is not None and mp.status == "approved"


async def _own_reply(ctx: Ctx) -> Reply:
    mine = await ctx.bookings.open_groups(ctx.user.id)
    tz = _tz(ctx)
    new = (Button("➕ Offer a group session", Gp("new", 0).pack()),)
    if not mine:
        return Reply(
            "You have no open group sessions. A group session is one call with up to "
            f"{ctx.deps.policies.group_max_seats} learners, each paying per seat.",
            buttons=(new,),
        )
    lines = [group_line(g, ctx.user.display_name, tz) for g in mine]
    return Reply(
        "*Your group sessions*\n" + "\n".join(f"- {x}" for x in lines),
        buttons=(
            *((Button(f"✖ Cancel #{g.id}", Gp("cancel", g.id).pack()),) for g in mine),
            new,
        ),
    )


class GroupSessions(Dialog):
    name = "group"
    title = "a group session"
    prefixes = ("gof",)

    async def start(self, ctx: Ctx, args: str) -> Step:
        mentor = await _is_mentor(ctx)
        if args.strip().casefold() in ("new", "offer"):
            if not mentor:
                return end(Reply(NOT_A_MENTOR))
            ctx.data.clear()
            return goto("when", await self.prompt(ctx, "when"))
        replies = [await groups_reply(ctx)]
        if mentor:
            replies.append(await _own_reply(ctx))
        return end(*replies)

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        stop = (Button("Stop", Gs("stop", 0).pack()),)
        if state == "when":
            return Reply(
                "When does the group session start? Say the day and time in your zone "
                f"({esc(_tz(ctx))}), e.g. “tomorrow 18:30” or “sat 11am”.",
                asks=Asks("Start", 60),
                buttons=(stop,),
            )
        if state == "length":
            return Reply(
                "How long is it?",
                buttons=(
                    tuple(Button(f"{n} min", Gs("len", n).pack()) for n in LENGTHS),
                    stop,
                ),
            )
        if state == "seats":
            top = ctx.deps.policies.group_max_seats
            return Reply(
                "How many seats (learners)?",
                buttons=(
                    tuple(Button(str(n), Gs("seats", n).pack()) for n in range(2, top + 1)),
                    stop,
                ),
            )
        if state == "price":
            mp = await ctx.session.get(MentorProfile, ctx.user.id)
            own = mp.price_minor if mp is not None and mp.price_minor > 0 else 0
            cur = mp.currency if mp is not None else ctx.deps.policies.currency
            row = [
                Button("Free", Gs("price", 0).pack()),
                Button("1 credit", Gs("price", -1).pack()),
            ]
            if own:
                row.append(Button(f"{money(own, cur)}", Gs("price", own).pack()))
            return Reply(
                f"The price per seat? Tap one, or type an amount in {esc(cur)} (e.g. 200).",
                asks=Asks("Price per seat", 20),
                buttons=(tuple(row), stop),
            )
        if state == "topic":
            return Reply(
                "What is it about? One line learners see (3 to 300 characters).",
                asks=Asks("Topic", 300),
                buttons=(stop,),
            )
        at = datetime.fromtimestamp(ctx.int_data("at"), tz=UTC)
        return Reply(
            "*Your group session*\n"
            f"- {esc(ctx.str_data('topic'))}\n"
            f"- {esc(when(at, _tz(ctx)))}, {ctx.int_data('len')} min\n"
            f"- {ctx.int_data('seats')} seats, {esc(self._price(ctx))} per seat\n"
            "Each learner pays for their own seat; if you cancel, everyone is refunded in full.",
            buttons=((Button("✅ Open it", Gs("ok", 0).pack()), *stop),),
        )

    def _price(self, ctx: Ctx) -> str:
        p = ctx.int_data("price")
        if p < 0:
            return "1 credit"
        return price_text("paid" if p else "free", p, ctx.str_data("cur") or "INR")

    async def _stop(self, ctx: Ctx, inbound: Inbound) -> Step | None:
        p = Gs.parse(ctx.action_of(inbound) or "")
        if p is not None and p.what == "stop":
            return end(Reply("Stopped — nothing was opened."))
        return None

    def _pressed(self, ctx: Ctx, inbound: Inbound, what: str) -> int | None:
        p = Gs.parse(ctx.action_of(inbound) or "")
        return p.value if p is not None and p.what == what else None

    async def on_when(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._stop(ctx, inbound)) is not None:
            return step
        said = read_time_of_day(ctx.text_of(inbound) or "")
        if said is None or (said.days_ahead is None and said.weekday is None):
            return await self.retry(ctx, "when", "Say the day and the time, like “tomorrow 18:30”.")
        readings = said.readings()
        if len(readings) > 1:
            return await self.retry(ctx, "when", "Morning or evening? Say “7am” or “19:00”.")
        tz = zone(_tz(ctx))
        today = ctx.now.astimezone(tz).date()
        if said.days_ahead is not None:
            day = today + timedelta(days=said.days_ahead)
        else:
            assert said.weekday is not None
            day = today + timedelta(days=(said.weekday - today.weekday()) % 7)
        minute = readings[0]
        at = datetime.combine(day, time(minute // 60, minute % 60), tzinfo=tz)
        if at <= ctx.now:
            at += timedelta(days=7)
        ctx.data["at"] = int(at.timestamp())
        return goto("length", await self.prompt(ctx, "length"))

    async def on_length(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._stop(ctx, inbound)) is not None:
            return step
        n = self._pressed(ctx, inbound, "len") or as_int(ctx.text_of(inbound) or "")
        if n not in LENGTHS:
            return await self.retry(ctx, "length", "Tap one of the lengths.")
        ctx.data["len"] = n
        return goto("seats", await self.prompt(ctx, "seats"))

    async def on_seats(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._stop(ctx, inbound)) is not None:
            return step
        n = self._pressed(ctx, inbound, "seats") or as_int(ctx.text_of(inbound) or "")
        top = ctx.deps.policies.group_max_seats
        if n is None or not 2 <= n <= top:
            return await self.retry(ctx, "seats", f"From 2 to {top} seats.")
        ctx.data["seats"] = n
        return goto("price", await self.prompt(ctx, "price"))

    async def on_price(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._stop(ctx, inbound)) is not None:
            return step
        mp = await ctx.session.get(MentorProfile, ctx.user.id)
        cur = mp.currency if mp is not None else ctx.deps.policies.currency
        p = self._pressed(ctx, inbound, "price")
        if p is None:
            p = parse_money(ctx.text_of(inbound) or "", cur, limit_minor=10**9)
        if p is None:
            return await self.retry(ctx, "price", "Tap a price or type an amount like 200.")
        ctx.data.update({"price": p, "cur": cur})
        return goto("topic", await self.prompt(ctx, "topic"))

    async def on_topic(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._stop(ctx, inbound)) is not None:
            return step
        text = ctx.text_of(inbound) or ""
        if not 3 <= len(text) <= 300:
            return await self.retry(ctx, "topic", "A topic is 3 to 300 characters.")
        ctx.data["topic"] = text
        return goto("confirm", await self.prompt(ctx, "confirm"))

    async def on_confirm(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._stop(ctx, inbound)) is not None:
            return step
        if self._pressed(ctx, inbound, "ok") is None:
            return await self.retry(ctx, "confirm", "Tap “Open it” or “Stop”.")
        p = ctx.int_data("price")
        try:
            g = await ctx.bookings.offer_group(
                ctx.user.id,
                datetime.fromtimestamp(ctx.int_data("at"), tz=UTC),
                ctx.int_data("len"),
                ctx.int_data("seats"),
                price_mode="credits" if p < 0 else "paid" if p else "free",
                amount_minor=max(p, 0),
                topic=ctx.str_data("topic"),
            )
        except BookingError as exc:
            return end(Reply(str(exc)))
        return end(
            Reply(
                f"👥 Group session #{g.id} is open: {esc(when(g.starts_at, _tz(ctx)))}, "
                f"{g.seats} seats. Learners see it in /group and on your profile; each seat "
                "they take shows in your /sessions."
            )
        )


async def on_group_action(ctx: Ctx, payload: str) -> Step:
    p = Gp.parse(payload)
    if p is None:
        return keep(Reply("That button is broken."))
    if p.what == "list":
        return keep(await groups_reply(ctx, p.ref))
    if p.what == "new":
        return handoff("group", "new")
    if p.what == "seat":
        try:
            b = await ctx.bookings.book_seat(p.ref, ctx.user.id)
        except BookingError as exc:
            return keep(Reply(str(exc)))
        tz = _tz(ctx)
        if b.pay_state == "pending":
            return keep(
                Reply(
                    f"🎟 Seat held for you (session #{b.id}, {esc(when(b.starts_at, tz))}) "
                    f"until {esc(when(b.respond_by, tz))}: pay to confirm it."
                ),
                await pay_reply(ctx, b.id),
            )
        return keep(
            Reply(
                f"🎟 You have a seat: session #{b.id}, {esc(when(b.starts_at, tz))}. "
                "Join, cancel or rate it in /sessions."
            )
        )
    g = await ctx.bookings.group(p.ref)
    if g is None or g.mentor_id != ctx.user.id:
        return keep(Reply("That group session isn't yours."))
    if p.what == "cancel":
        return keep(
            Reply(
                f"Cancel group session #{g.id}? All {g.seats_taken} learners with a seat are "
                "refunded in full, and it counts against your reliability.",
                buttons=((Button("Yes, cancel it", Gp("cancelok", g.id).pack()),),),
            )
        )
    if p.what == "cancelok":
        try:
            n = await ctx.bookings.cancel_group(g.id, ctx.user.id)
        except BookingError as exc:
            return keep(Reply(str(exc)))
        return keep(Reply(f"Group session #{g.id} is cancelled; {n} seats refunded in full."))
    return keep(Reply("That button is broken."))
