"""My sessions: upcoming and past, accept/decline, cancel with the refund shown first,
reschedule, join link, report a problem, and rating after the session."""

from __future__ import annotations

from sqlalchemy import select

from core.booking.feed import feed_path, reset_feed
from core.booking.joins import recordings_of
from core.booking.payloads import Bk, Rt, decision_buttons, rating_buttons
from core.booking.room_chat import chatted
from core.booking.service import BookingError
from core.booking.tables import ACTIVE, Booking, SessionRating
from core.booking.views import STATUS_LABELS, price_text, room_url, when
from core.db.schema import User
from core.dialogs.dms import message_button
from core.dialogs.engine import Ctx, Dialog, Step, end, goto, handoff, keep
from core.dialogs.safety import safety_row
from core.markup import esc
from core.messaging import Asks, Button, Inbound, LinkButton, Reply
from core.numbers import as_int


async def _name(ctx: Ctx, user_id: int) -> str:
    u = await ctx.session.get(User, user_id)
    return u.display_name if u is not None else "someone"


async def booking_line(ctx: Ctx, b: Booking) -> str:
    mine_as_mentor = b.mentor_id == ctx.user.id
    other = await _name(ctx, b.learner_id if mine_as_mentor else b.mentor_id)
    role = "with learner" if mine_as_mentor else "with"
    status = STATUS_LABELS.get(b.status, b.status)
    if b.status == "requested" and b.pay_state == "pending":
        status = (
            "💳 waiting for your payment: pay by "
            f"{esc(when(b.respond_by, ctx.user.timezone, with_zone=False))} to send it to the "
            "mentor"
        )
    return (
        f"*#{b.id}* {esc(when(b.starts_at, ctx.user.timezone, with_zone=False))} · "
        f"{b.length_min} min {role} *{esc(other)}* · {status}\n"
        f"   “{esc(b.topic)}” · {esc(price_text(b.price_mode, b.amount_minor, b.currency))}"
    )


class MySessions(Dialog):
    name = "sessions"
    title = "your sessions"

    async def start(self, ctx: Ctx, args: str) -> Step:
        return end(*await self.listing(ctx))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply("Your sessions: /sessions")

    async def listing(self, ctx: Ctx) -> list[Reply]:
        upcoming = [
            b
            for b in await ctx.bookings.of_user(ctx.user.id, upcoming=True)
            # A mentor sees a paid request once it's paid (nothing to act on before).
            if not (b.mentor_id == ctx.user.id and b.pay_state == "pending")
        ]
        past = await ctx.bookings.of_user(ctx.user.id, upcoming=False, limit=5)
        if not upcoming and not past:
            return [
                Reply(
                    "No sessions yet. Find a mentor and tap “Book” on their profile.",
                    buttons=((Button("🔎 Find a mentor", "menu:find"),),),
                )
            ]
        replies: list[Reply] = []
        tz = ctx.user.timezone or "UTC"
        if upcoming:
            replies.append(Reply(f"*Upcoming* (times in {esc(tz)})"))
            for b in upcoming:
                rows: list[tuple[Button | LinkButton, ...]] = []
                if b.mentor_id == ctx.user.id and b.status == "requested":
                    rows.extend(decision_buttons(b.id))
                if b.status == "confirmed":
                    rows.append(
                        (
                            LinkButton(
                                "🎥 Join",
                                room_url(
                                    ctx.deps.policies.public_url,
                                    ctx.deps.signing_keys,
                                    b,
                                    ctx.user.id,
                                ),
                            ),
                        )
                    )
                other = b.mentor_id if b.learner_id == ctx.user.id else b.learner_id
                rows.append((message_button(other),))
                if b.status == "confirmed" and b.starts_at <= ctx.now:
                    # Under way: cancelling no longer applies, but a no-show can be reported.
                    rows.append((Button("⚠️ Report a problem", Bk("problem", b.id).pack()),))
                    replies.append(Reply(await booking_line(ctx, b), buttons=tuple(rows)))
                    continue
                if b.learner_id == ctx.user.id and b.pay_state == "pending":
                    rows.append((Button("💳 Pay", Bk("pay", b.id).pack()),))
                row: list[Button | LinkButton] = [Button("Cancel", Bk("cancel", b.id).pack())]
                if b.learner_id == ctx.user.id and b.group_id is None:
                    # A group seat can't move (its start is the group's): Cancel only.
                    row.append(Button("Reschedule", Bk("resched", b.id).pack()))
                rows.append(tuple(row))
                other = b.learner_id if b.mentor_id == ctx.user.id else b.mentor_id
                blocked = await ctx.u.safety.has_blocked(ctx.user.id, other)
                rows.append(safety_row(other, blocked=blocked, booking_id=b.id))
                replies.append(Reply(await booking_line(ctx, b), buttons=tuple(rows)))
        if past:
            rated = set(
                await ctx.session.scalars(
                    select(SessionRating.booking_id).where(
                        SessionRating.rater_id == ctx.user.id,
                        SessionRating.booking_id.in_([b.id for b in past]),
                    )
                )
            )
            replies.append(Reply("*Past*"))
            recorded = await recordings_of(ctx.session, [b.id for b in past])
            talked = await chatted(ctx.session, [b.id for b in past])
            for b in past:
                buttons: tuple[tuple[Button | LinkButton, ...], ...] = (
                    rating_buttons(b.id) if b.status == "completed" and b.id not in rated else ()
                )
                if b.id in recorded or b.id in talked:
                    # One page holds the session's record: its recordings and the room chat.
                    url = room_url(
                        ctx.deps.policies.public_url, ctx.deps.signing_keys, b, ctx.user.id
                    )
                    label = "🎞 Recording" if b.id in recorded else "🗒 Room chat"
                    buttons = (*buttons, (LinkButton(label, f"{url}/recordings"),))
                other = b.mentor_id if b.learner_id == ctx.user.id else b.learner_id
                blocked = await ctx.u.safety.has_blocked(ctx.user.id, other)
                if not await ctx.u.safety.blocked_between(ctx.user.id, other):
                    buttons = (*buttons, (message_button(other),))
                buttons = (*buttons, safety_row(other, blocked=blocked, booking_id=b.id))
                replies.append(Reply(await booking_line(ctx, b), buttons=buttons))
        replies.append(await feed_reply(ctx))
        return replies


async def feed_reply(ctx: Ctx) -> Reply:
    url = ctx.deps.policies.public_url + await feed_path(
        ctx.session, ctx.deps.signing_keys, ctx.user.id
    )
    return Reply(
        f"📅 Every session in your calendar app: [calendar feed]({url}). Keep the link to "
        "yourself; if it got out, reset it.",
        buttons=((Button("🔄 Reset calendar link", Bk("feed", 0).pack()),),),
    )


class RateSession(Dialog):
    """After a star tap: an optional comment, then the rating is saved."""

    name = "rate"
    title = "your rating"
    prefixes = ("rt",)

    async def start(self, ctx: Ctx, args: str) -> Step:
        booking_text, _, stars_text = args.partition(":")
        booking, stars = as_int(booking_text), as_int(stars_text, hi=5)
        if booking is None or stars is None:
            return end(Reply("That rating button is broken."))
        ctx.data.update({"booking": booking, "stars": stars})
        return goto("comment", await self.prompt(ctx, "comment"))

    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        return Reply(
            f"{'★' * ctx.int_data('stars')} — anything to add? A sentence helps others "
            "(or tap Skip).",
            buttons=((Button("Skip", Rt(ctx.int_data("booking"), 0).pack()),),),
            asks=Asks("Anything to add about the session?", max_length=1000, multiline=True),
        )

    async def on_comment(self, ctx: Ctx, inbound: Inbound) -> Step:
        p = Rt.parse(ctx.action_of(inbound) or "")
        text = ctx.text_of(inbound) or ""
        if p is None and not text:
            return await self.retry(ctx, "comment", "Type a comment or tap Skip.")
        if p is not None and p.booking != ctx.int_data("booking"):
            return await on_rating_action(ctx, Rt(p.booking, p.stars).pack())
        if p is not None and p.stars:
            # A different star button pressed again: take the new number, keep asking.
            ctx.data["stars"] = p.stars
            return goto("comment", await self.prompt(ctx, "comment"))
        if len(text) > 1000:
            return await self.retry(ctx, "comment", "Please keep it under 1000 characters.")
        try:
            await ctx.bookings.rate(
                ctx.int_data("booking"), ctx.user.id, ctx.int_data("stars"), text
            )
        except BookingError as exc:
            return end(Reply(str(exc)))
        return end(
            Reply(
                "Thanks! Your rating is shown to the other person once they've rated too "
                f"(or after {ctx.deps.policies.rating_reveal_days} days)."
            )
        )


async def on_booking_action(ctx: Ctx, payload: str) -> Step:
    p = Bk.parse(payload)
    if p is None:
        return keep(Reply("That button is broken."))
    b = ctx.bookings
    try:
        if p.what == "book":
            return handoff("book", str(p.ref))
        if p.what == "acc":
            booking = await b.accept(p.ref, ctx.user.id)
            learner = await _name(ctx, booking.learner_id)
            extra = (
                " Waiting for the learner's payment; you'll hear when it's confirmed."
                if booking.status == "accepted"
                else ""
            )
            return keep(Reply(f"Accepted #{booking.id} with {esc(learner)}.{extra}"))
        if p.what == "dec":
            booking = await b.decline(p.ref, ctx.user.id)
            return keep(Reply(f"Declined #{booking.id}. The learner has been told."))
        if p.what == "cancel":
            quote = await b.cancel_quote(p.ref, ctx.user.id)
            return keep(
                Reply(
                    f"Cancel session #{p.ref}? {esc(quote.explanation)}",
                    buttons=(
                        (
                            Button("Yes, cancel it", Bk("cancelok", p.ref).pack()),
                            Button("Keep it", "menu:sessions"),
                        ),
                    ),
                )
            )
        if p.what == "cancelok":
            quote = await b.cancel(p.ref, ctx.user.id)
            return keep(Reply(f"Session #{p.ref} is cancelled. {esc(quote.explanation)}"))
        if p.what == "resched":
            moving = await b.get(p.ref)
            if moving is None or moving.learner_id != ctx.user.id:
                return keep(Reply("Only the learner can move a session; the mentor can cancel."))
            if moving.group_id is not None:  # an old button: say so before any picking
                return keep(
                    Reply(
                        "A seat in a group session can't be moved; you can cancel it (/sessions)."
                    )
                )
            return handoff("book", f"{moving.mentor_id}:{moving.id}")
        if p.what == "feed":
            return keep(
                Reply(
                    "Reset your calendar link? Calendars subscribed to the old link stop "
                    "updating; you add the new one instead.",
                    buttons=(
                        (
                            Button("Yes, new link", Bk("feedok", 0).pack()),
                            Button("Keep it", "menu:sessions"),
                        ),
                    ),
                )
            )
        if p.what == "feedok":
            await reset_feed(ctx.session, ctx.user.id)
            new = await feed_reply(ctx)
            return keep(Reply("Done: the old calendar link no longer works.\n" + new.text))
        if p.what == "pay":
            return keep(await pay_reply(ctx, p.ref))
        if p.what == "problem":
            await b.report_problem(p.ref, ctx.user.id, "reported from chat")
            return keep(Reply("Thanks — an admin will look at it. Nothing is paid out meanwhile."))
    except BookingError as exc:
        return keep(Reply(str(exc)))
    return keep(Reply("That button is broken."))


async def pay_reply(ctx: Ctx, booking_id: int) -> Reply:
    """A fresh checkout link for a booking that still waits for its payment."""
    booking = await ctx.bookings.get(booking_id)
    if booking is None or booking.learner_id != ctx.user.id:
        return Reply("I can't find that booking.")
    if booking.pay_state != "pending" or booking.status not in ACTIVE:
        return Reply(f"There's nothing to pay for #{booking.id}.")
    checkout = await ctx.payments.checkout(
        purpose="booking",
        ref_id=booking.id,
        payer_id=ctx.user.id,
        amount=booking.amount_minor,
        currency=booking.currency,
        description=f"MentorBot session #{booking.id} ({booking.length_min} min)",
    )
    price = price_text(booking.price_mode, booking.amount_minor, booking.currency)
    return Reply(
        f"Pay {esc(price)} for session #{booking.id}. It's held until the session is done and "
        "refunded in full if the mentor declines.",
        buttons=((LinkButton(f"💳 Pay {price}", checkout.url),),),
    )


async def on_rating_action(ctx: Ctx, payload: str) -> Step:
    p = Rt.parse(payload)
    if p is None or not 1 <= p.stars <= 5:
        return keep(Reply("That rating button is broken."))
    return handoff("rate", f"{p.booking}:{p.stars}")
