"""Booking a session: length, day, time (in your zone), topic, confirm — then the mentor decides.

Every free start time can be reached: a full day is split into morning, afternoon and evening
(paged when one part has more than fit a chat's keyboard), and a time typed in the learner's
zone ("18:30", "6.30pm", "tomorrow 7pm") picks that slot, or offers the nearest free ones.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from core.availability import SaidTime, hhmm, read_day_word, read_time_of_day
from core.booking.base import PAID_NEEDS_VERIFIED
from core.booking.lifecycle import keeps_share
from core.booking.service import BookingError, Offering, SlotTaken
from core.booking.views import day_label, hm, price_text, when
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff
from core.dialogs.sessions import pay_reply
from core.markup import esc
from core.messaging import Asks, Button, Inbound, Reply
from core.numbers import as_int
from core.payloads import Payload
from core.services.trust import PAID_ADULTS_ONLY
from core.timezones import zone

MAX_DAYS_SHOWN = 7
# Start times on one screen: 3 rows of 4, so with the parts row and the navigation row a
# reply stays within Discord's 5 rows of buttons (Telegram and Slack allow more).
TIMES_PER_PAGE = 12
TIMES_PER_ROW = 4
# Parts of a day in the learner's zone: (key, label, first minute, end minute).
PARTS = (
    ("m", "Morning", 0, 12 * 60),
    ("a", "Afternoon", 12 * 60, 17 * 60),
    ("e", "Evening", 17 * 60, 24 * 60),
)
NEAREST_SHOWN = 4
TYPE_A_TIME = "or type a time, e.g. “18:30” or “6.30pm”"


@dataclass(frozen=True)
class Bb(Payload, prefix="bb"):
    """A step answer inside the booking dialog."""

    what: str  # len | day | slot | part | ok | back | stop
    value: str


def _minute_of_day(at: datetime, tz: str) -> int:
    local = at.astimezone(zone(tz))
    return local.hour * 60 + local.minute


def _part_of(minute: int) -> str:
    return next(key for key, _label, a, b in PARTS if a <= minute < b)


def _slot_button(at: datetime, tz: str, *, with_day: bool = False) -> Button:
    label = f"{day_label(at, tz)} {hm(at, tz)}" if with_day else hm(at, tz)
    return Button(label, Bb("slot", str(int(at.timestamp()))).pack())


def _said_date(said: SaidTime, today: date) -> date | None:
    if said.days_ahead is not None:
        return today + timedelta(days=said.days_ahead)
    if said.weekday is not None:
        return today + timedelta(days=(said.weekday - today.weekday()) % 7)
    return None


def _rows(buttons: list[Button], per_row: int) -> tuple[tuple[Button, ...], ...]:
    return tuple(tuple(buttons[i : i + per_row]) for i in range(0, len(buttons), per_row))


class BookSession(Dialog):
    name = "book"
    title = "your booking"
    prefixes = ("bb",)

    async def start(self, ctx: Ctx, args: str) -> Step:
        # "mentor[:resched[:start:length]]": an office-hours button names a start time.
        mentor_text, resched_text, at_text, len_text = [*args.split(":"), "", "", ""][:4]
        mentor_id, resched = as_int(mentor_text), as_int(resched_text)
        if mentor_id is None:
            return end(Reply("Which mentor? Open a profile from /find and tap “Book”."))
        offer = await ctx.bookings.offering(mentor_id)
        if offer is None:
            return end(Reply("That mentor isn't taking bookings right now. Try /find."))
        if offer.mentor_id == ctx.user.id:
            return end(Reply("That's your own profile — you can't book yourself."))
        if (
            resched is None
            and offer.price_mode == "paid"
            and offer.amount_minor > 0
            and ctx.u.policies.paid_booking_needs_verified_email
            and await ctx.u.verification.verified(ctx.user.id) is None
        ):
            return end(Reply(PAID_NEEDS_VERIFIED))
        if not ctx.user.onboarded and resched is None:
            # Searching needs no profile; booking needs a name and a time zone.
            return handoff("onboarding", f"book:{offer.mentor_id}")
        if offer.price_mode == "paid" and offer.amount_minor:
            # Age safeguards (issue 18): paid sessions are for adults. People who joined
            # before the question was asked answer it here, once.
            band = await ctx.trust.age_band(ctx.user.id)
            if band == "under18":
                return end(Reply(PAID_ADULTS_ONLY))
            if band is None and ctx.deps.policies.ask_age_band:
                return handoff("onboarding", f"age:{offer.mentor_id}")
        ctx.data.update({"mentor": offer.mentor_id})
        at, length = as_int(at_text), as_int(len_text)
        if resched is None and at is not None and length in offer.lengths:
            return await self._at(ctx, offer, at, length)
        if resched is not None:
            old = await ctx.bookings.get(resched)
            if old is None or old.learner_id != ctx.user.id:
                return end(Reply("I can't find that booking."))
            ctx.data.update({"resched": old.id, "len": old.length_min, "topic": old.topic})
            return await self._days(ctx, offer)
        if len(offer.lengths) == 1:
            ctx.data["len"] = offer.lengths[0]
            return await self._days(ctx, offer)
        return goto("length", await self.prompt(ctx, "length"))

    async def _offer(self, ctx: Ctx) -> Offering | None:
        return await ctx.bookings.offering(ctx.int_data("mentor"))

    def _tz(self, ctx: Ctx) -> str:
        return ctx.user.timezone or "UTC"

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        offer = await self._offer(ctx)
        if offer is None:
            return Reply("That mentor isn't taking bookings right now. /cancel to stop.")
        if state == "length":
            return Reply(
                f"How long a session with *{esc(offer.name)}*? "
                f"({price_text(offer.price_mode, offer.amount_minor, offer.currency)} per session)",
                buttons=_rows(
                    [Button(f"{n} min", Bb("len", str(n)).pack()) for n in offer.lengths], 3
                ),
            )
        slots = await ctx.bookings.free_slots(offer, ctx.user.id, ctx.int_data("len", 10))
        tz = self._tz(ctx)
        if state == "day":
            days: dict[str, int] = {}
            for s in slots:
                days[day_label(s, tz)] = days.get(day_label(s, tz), 0) + 1
            buttons = [
                Button(f"{d} ({n})", Bb("day", d.replace(" ", "_")).pack())
                for d, n in list(days.items())[:MAX_DAYS_SHOWN]
            ]
            note = (
                "" if ctx.user.timezone else " (set your time zone in /profile to see local times)"
            )
            return Reply(
                f"Which day? Times are shown in your zone, {esc(tz)}{note}. "
                "Or type a day and time, e.g. “tomorrow 7pm”.",
                buttons=(*_rows(buttons, 2), (Button("Stop", Bb("stop", "1").pack()),)),
            )
        if state == "slot":
            return self._times(ctx, slots, tz)
        if state == "topic":
            return Reply(
                "What would you like to cover? One line helps the mentor prepare, e.g. "
                "“useEffect runs twice in my React app”.",
                asks=Asks(
                    "What would you like to cover?",
                    max_length=300,
                    placeholder="useEffect runs twice in my React app",
                ),
            )
        if state == "confirm":
            at = datetime.fromtimestamp(ctx.int_data("slot"), tz=ctx.now.tzinfo)
            price = price_text(offer.price_mode, offer.amount_minor, offer.currency)
            mode = offer.price_mode if offer.amount_minor else "free"
            pay = {
                "paid": "You pay when you confirm; it's refunded in full if the mentor declines.",
                "credits": "1 credit is held now and goes to the mentor after the session.",
                "free": "This session is free.",
            }[mode]
            if mode != "free":
                pay += "\n" + self._cancel_terms(ctx, at, offer)
            return Reply(
                f"*Book {esc(offer.name)}*\n"
                f"- When: {esc(when(at, tz))}\n"
                f"- Their time: {esc(when(at, offer.timezone))}\n"
                f"- Length: {ctx.int_data('len')} min\n"
                f"- Topic: {esc(ctx.str_data('topic'))}\n"
                f"- Price: {esc(price)}\n{pay}",
                buttons=(
                    (
                        Button("✅ Send request", Bb("ok", "1").pack()),
                        Button("Change time", Bb("back", "day").pack()),
                    ),
                    (Button("Stop", Bb("stop", "1").pack()),),
                ),
            )
        return Reply("Let's continue.")

    def _times(self, ctx: Ctx, slots: list[datetime], tz: str) -> Reply:
        """One day's start times: all of them when they fit, else one part of the day (paged)
        with buttons to the other parts."""
        day = ctx.str_data("day")
        times = [s for s in slots if day_label(s, tz) == day]
        back = Button("◀ Other day", Bb("back", "day").pack())
        if not times:
            return Reply(f"No free times left on {esc(day)}. Pick another day.", buttons=((back,),))
        if len(times) <= TIMES_PER_PAGE:
            buttons = [_slot_button(s, tz) for s in times]
            return Reply(
                f"{esc(day)} — pick a start time ({esc(tz)}), {TYPE_A_TIME}:",
                buttons=(*_rows(buttons, TIMES_PER_ROW), (back,)),
            )
        by_part: dict[str, list[datetime]] = {}
        for s in times:
            by_part.setdefault(_part_of(_minute_of_day(s, tz)), []).append(s)
        part = ctx.str_data("part")
        if part not in by_part:
            part = next(iter(by_part))
        in_part = by_part[part]
        pages = -(-len(in_part) // TIMES_PER_PAGE)
        page = min(max(0, ctx.int_data("tpage")), pages - 1)
        shown = in_part[page * TIMES_PER_PAGE : (page + 1) * TIMES_PER_PAGE]
        label = next(lbl for key, lbl, _a, _b in PARTS if key == part)
        others = [
            Button(f"{lbl} ({len(by_part[key])})", Bb("part", f"{key}.0").pack())
            for key, lbl, _a, _b in PARTS
            if key in by_part and key != part
        ]
        nav = []
        if page > 0:
            nav.append(Button("◀ Earlier", Bb("part", f"{part}.{page - 1}").pack()))
        if page + 1 < pages:
            nav.append(Button("Later ▶", Bb("part", f"{part}.{page + 1}").pack()))
        nav.append(back)
        more = f", page {page + 1} of {pages}" if pages > 1 else ""
        return Reply(
            f"{esc(day)} — {len(times)} free start times. {label}{more} ({esc(tz)}): pick one, "
            f"tap another part of the day, {TYPE_A_TIME}:",
            buttons=(
                *_rows([_slot_button(s, tz) for s in shown], TIMES_PER_ROW),
                *((tuple(others),) if others else ()),
                tuple(nav),
            ),
        )

    async def _typed_time(self, ctx: Ctx, text: str, state: str) -> Step | None:
        """A time typed in the learner's zone: that slot if it's free, else the nearest free
        ones (the dialog stays where it was). None: the text holds no time."""
        said = read_time_of_day(text)
        offer = await self._offer(ctx)
        if said is None or offer is None:
            return None
        tz = self._tz(ctx)
        slots = await ctx.bookings.free_slots(offer, ctx.user.id, ctx.int_data("len", 10))
        named = _said_date(said, ctx.now.astimezone(zone(tz)).date())
        days = list(dict.fromkeys(day_label(s, tz) for s in slots))
        if named is not None:
            day = named.strftime("%a %d %b")
        elif state == "slot" and ctx.str_data("day"):
            day = ctx.str_data("day")
        else:  # no day said or chosen yet: the first day that has exactly that time
            day = next(
                (
                    d
                    for d in days
                    for s in slots
                    if day_label(s, tz) == d and _minute_of_day(s, tz) in said.readings()
                ),
                days[0] if days else "",
            )
        on_day = [s for s in slots if day_label(s, tz) == day]
        asked = " or ".join(hhmm(r) for r in said.readings())
        if not on_day:
            return await self.retry(
                ctx,
                state,
                f"{esc(offer.name)} has no free times on {esc(day or 'that day')}.",
            )
        ctx.data.update({"day": day, "part": "", "tpage": 0})
        exact = [s for s in on_day if _minute_of_day(s, tz) in said.readings()]
        if exact:
            return await self._picked(ctx, int(exact[0].timestamp()))

        def distance(s: datetime) -> int:
            m = _minute_of_day(s, tz)
            return min(abs(m - r) for r in said.readings())

        nearest = sorted(sorted(on_day, key=distance)[:NEAREST_SHOWN])
        return goto(
            "slot",
            Reply(
                f"{asked} isn't free on {esc(day)}. The nearest free times ({esc(tz)}):",
                buttons=(
                    *_rows([_slot_button(s, tz) for s in nearest], TIMES_PER_ROW),
                    (
                        Button("All times that day", Bb("part", "_.0").pack()),
                        Button("◀ Other day", Bb("back", "day").pack()),
                    ),
                ),
            ),
        )

    async def _picked(self, ctx: Ctx, slot: int) -> Step:
        ctx.data["slot"] = slot
        if ctx.str_data("topic"):
            return goto("confirm", await self.prompt(ctx, "confirm"))
        return goto("topic", await self.prompt(ctx, "topic"))

    def _cancel_terms(self, ctx: Ctx, at: datetime, offer: Offering) -> str:
        """What cancelling would cost for this slot, said before the learner commits."""
        p = ctx.deps.policies
        share = keeps_share(offer.amount_minor, offer.currency, p.platform_fee_bps)
        cutoff = at - timedelta(hours=p.learner_full_refund_h)
        if ctx.now >= cutoff:
            left = at - ctx.now
            h, m = divmod(max(0, int(left.total_seconds() // 60)), 60)
            return f"Starts in {h} h {m} min: if you cancel, {share} and you get no refund."
        return (
            f"Free to cancel until {when(cutoff, self._tz(ctx))}; after that {share} "
            "and there's no refund."
        )

    async def _at(self, ctx: Ctx, offer: Offering, at: int, length: int) -> Step:
        """Straight to the topic for a start time chosen outside the dialog, if still free."""
        ctx.data["len"] = length
        slots = await ctx.bookings.free_slots(offer, ctx.user.id, length)
        chosen = next((s for s in slots if int(s.timestamp()) == at), None)
        if chosen is None:
            return await self._days(ctx, offer, Reply("That time isn't free any more."))
        ctx.data.update({"slot": at, "day": day_label(chosen, self._tz(ctx))})
        return goto(
            "topic",
            Reply(f"Booking *{esc(offer.name)}* for {esc(when(chosen, self._tz(ctx)))}."),
            await self.prompt(ctx, "topic"),
        )

    async def _days(self, ctx: Ctx, offer: Offering, *pre: Reply) -> Step:
        slots = await ctx.bookings.free_slots(offer, ctx.user.id, ctx.int_data("len", 10))
        if not slots:
            return end(
                *pre,
                Reply(
                    f"{esc(offer.name)} has no free {ctx.int_data('len', 10)}-minute slots in the "
                    f"next {ctx.deps.policies.booking_horizon_days} days. Try another mentor: /find"
                ),
            )
        return goto("day", *pre, await self.prompt(ctx, "day"))

    async def _common(self, ctx: Ctx, inbound: Inbound) -> Step | None:
        p = Bb.parse(ctx.action_of(inbound) or "")
        if p is not None and p.what == "stop":
            return end(Reply("Booking stopped. Nothing was requested."))
        if p is not None and p.what == "back":
            offer = await self._offer(ctx)
            if offer is None:
                return end(Reply("That mentor isn't taking bookings right now."))
            return await self._days(ctx, offer)
        return None

    async def on_length(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._common(ctx, inbound)) is not None:
            return step
        offer = await self._offer(ctx)
        if offer is None:
            return end(Reply("That mentor isn't taking bookings right now."))
        p = Bb.parse(ctx.action_of(inbound) or "")
        text = (ctx.text_of(inbound) or "").removesuffix("min").strip()
        value = p.value if p is not None and p.what == "len" else text
        length = as_int(value)
        if length is None or length not in offer.lengths:
            allowed = ", ".join(str(n) for n in offer.lengths)
            return await self.retry(ctx, "length", f"Choose one of: {allowed} minutes.")
        ctx.data["len"] = length
        return await self._days(ctx, offer)

    async def on_day(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._common(ctx, inbound)) is not None:
            return step
        tz = self._tz(ctx)
        p = Bb.parse(ctx.action_of(inbound) or "")
        text = ctx.text_of(inbound)
        if p is None and text and (typed := await self._typed_time(ctx, text, "day")):
            return typed
        if p is None and text and (said := read_day_word(text)) is not None:
            named = _said_date(SaidTime(0, True, *said), ctx.now.astimezone(zone(tz)).date())
            if named is not None:
                p = Bb("day", named.strftime("%a %d %b").replace(" ", "_"))
        if p is None or p.what != "day":
            return await self.retry(
                ctx, "day", "Please tap one of the days, or type a time like “tomorrow 7pm”."
            )
        ctx.data.update({"day": p.value.replace("_", " "), "part": "", "tpage": 0})
        return goto("slot", await self.prompt(ctx, "slot"))

    async def on_slot(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._common(ctx, inbound)) is not None:
            return step
        p = Bb.parse(ctx.action_of(inbound) or "")
        if p is not None and p.what == "part":
            part, _, page = p.value.partition(".")
            ctx.data.update({"part": part, "tpage": as_int(page) or 0})
            return goto("slot", await self.prompt(ctx, "slot"))
        text = ctx.text_of(inbound)
        if p is None and text and (typed := await self._typed_time(ctx, text, "slot")):
            return typed
        slot = as_int(p.value) if p is not None and p.what == "slot" else None
        if slot is None:
            return await self.retry(
                ctx, "slot", "Please tap one of the times, or type one like “18:30” or “6.30pm”."
            )
        return await self._picked(ctx, slot)

    async def on_topic(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._common(ctx, inbound)) is not None:
            return step
        text = ctx.text_of(inbound) or ""
        if not 3 <= len(text) <= 300:
            return await self.retry(ctx, "topic", "A topic is 3 to 300 characters.")
        ctx.data["topic"] = text
        return goto("confirm", await self.prompt(ctx, "confirm"))

    async def on_confirm(self, ctx: Ctx, inbound: Inbound) -> Step:
        if (step := await self._common(ctx, inbound)) is not None:
            return step
        p = Bb.parse(ctx.action_of(inbound) or "")
        if p is None or p.what != "ok":
            return await self.retry(ctx, "confirm", "Tap “Send request”, “Change time” or “Stop”.")
        offer = await self._offer(ctx)
        if offer is None:
            return end(Reply("That mentor isn't taking bookings right now."))
        at = datetime.fromtimestamp(ctx.int_data("slot"), tz=ctx.now.tzinfo)
        tz = self._tz(ctx)
        resched = ctx.int_data("resched")
        try:
            if resched:
                booking = await ctx.bookings.reschedule(resched, ctx.user.id, offer, at)
            else:
                booking = await ctx.bookings.request(
                    ctx.user.id, offer, at, ctx.int_data("len", 10), ctx.str_data("topic")
                )
        except SlotTaken as taken:
            if not taken.next_free:
                return await self._days(ctx, offer, Reply("That slot was just taken."))
            ctx.data.update({"day": day_label(taken.next_free[0], tz), "part": "", "tpage": 0})
            buttons = [_slot_button(s, tz, with_day=True) for s in taken.next_free]
            return goto(
                "slot",
                Reply(
                    "That slot was just taken — here are the next free ones:",
                    buttons=(
                        *_rows(buttons, 2),
                        (Button("◀ Other day", Bb("back", "day").pack()),),
                    ),
                ),
            )
        except BookingError as exc:
            return end(Reply(str(exc)))
        deadline = when(booking.respond_by, tz)
        lines = [
            f"📨 Request sent to *{esc(offer.name)}* for {esc(when(at, tz))}.",
            f"They have until {esc(deadline)} to accept; I'll message you either way.",
        ]
        if resched:
            lines[0] = (
                f"🔁 Moved to {esc(when(at, tz))}; *{esc(offer.name)}* confirms the new time."
            )
        elif booking.pay_state == "pending":
            lines[:2] = [
                f"📨 Your request to *{esc(offer.name)}* for {esc(when(at, tz))} goes to them "
                "as soon as your payment arrives.",
                f"The slot is held for you until {esc(deadline)}.",
            ]
        lines.append("See all your sessions with /sessions.")
        replies = [Reply("\n".join(lines))]
        if booking.pay_state == "pending":
            replies.append(await pay_reply(ctx, booking.id))
        return end(*replies)
