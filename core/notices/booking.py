"""Booking events → messages for mentor and learner, each in their own chat and time zone."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from core.booking.feed import feed_path
from core.booking.lifecycle import keeps_share
from core.booking.payloads import Bk, decision_buttons, rating_buttons
from core.booking.tables import Booking
from core.booking.views import price_text, room_url, when
from core.calendar import SessionEntry, session_ics
from core.db.schema import User, UserSkill
from core.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingDisputed,
    BookingExpired,
    BookingRequested,
    NoShowDecided,
    RatingsRevealed,
    ReminderDue,
    SessionCompleted,
)
from core.markup import esc
from core.messaging import Attachment, Button, LinkButton, Reply
from core.services.search import SearchFilters
from core.uow import UnitOfWork
from core.views import community_suggestions


class _Parties:
    """A booking and its two people, as each of them reads it."""

    def __init__(self, u: UnitOfWork, b: Booking, mentor: User, learner: User) -> None:
        self.u, self.b, self.mentor, self.learner = u, b, mentor, learner

    def other(self, user: User) -> User:
        return self.learner if user.id == self.mentor.id else self.mentor

    def at(self, user: User) -> str:
        return esc(when(self.b.starts_at, user.timezone))

    def room(self, user: User) -> str:
        p = self.u.deps
        return room_url(p.policies.public_url, p.signing_keys, self.b, user.id)

    async def send(self, user: User, *replies: Reply, kind: str = "booking") -> None:
        await self.u.notify(user.id, replies, kind)


async def _parties(u: UnitOfWork, booking_id: int) -> _Parties | None:
    b = await u.session.get(Booking, booking_id)
    if b is None:
        return None
    mentor = await u.session.get(User, b.mentor_id)
    learner = await u.session.get(User, b.learner_id)
    assert mentor is not None and learner is not None
    return _Parties(u, b, mentor, learner)


def ics_for(p: _Parties, user: User, now: datetime) -> Attachment:
    b = p.b
    entry = SessionEntry(
        booking_id=b.id,
        starts_at=b.starts_at,
        ends_at=b.ends_at,
        title=f"MentorBot: {b.length_min} min with {p.other(user).display_name}",
        description=f"Topic: {b.topic}",
        url=p.room(user),
        cancelled=b.status not in ("requested", "accepted", "confirmed", "completed"),
    )
    return Attachment(f"mentorbot-session-{b.id}.ics", "text/calendar", session_ics([entry], now))


async def feed_url(u: UnitOfWork, user_id: int) -> str:
    return u.policies.public_url + await feed_path(u.session, u.deps.signing_keys, user_id)


async def next_best_mentor(u: UnitOfWork, b: Booking) -> User | None:
    """The best-rated other approved mentor teaching one of this mentor's skills, with time free."""
    skills = list(
        await u.session.scalars(
            select(UserSkill.skill_id).where(
                UserSkill.user_id == b.mentor_id, UserSkill.kind == "teach"
            )
        )
    )
    for skill_id in skills[:3]:
        page = await u.directory.search(
            SearchFilters(skill_id=skill_id, exclude_user_id=b.learner_id), 0, 10
        )
        for hit in page.hits:
            if hit.user_id == b.mentor_id:
                continue
            offer = await u.bookings.offering(hit.user_id)
            if offer is None:
                continue
            length = b.length_min if b.length_min in offer.lengths else offer.lengths[0]
            if await u.bookings.free_slots(offer, b.learner_id, length):
                return await u.session.get(User, hit.user_id)
    return None


async def requested(u: UnitOfWork, ev: BookingRequested) -> None:
    if (p := await _parties(u, ev.booking_id)) is None:
        return
    b, mentor = p.b, p.mentor
    if b.pay_state == "pending":
        return  # sent once the payment arrives (Lifecycle.payment_captured raises it again)
    verb = "wants to move their session to" if ev.rescheduled else "requests"
    price = price_text(b.price_mode, b.amount_minor, b.currency)
    await p.send(
        mentor,
        Reply(
            f"📅 *Session request #{b.id}*: *{esc(p.learner.display_name)}* {verb} "
            f"{b.length_min} min at {p.at(mentor)}.\n"
            f"Topic: “{esc(b.topic)}” · {esc(price)}\n"
            f"Please answer by {esc(when(b.respond_by, mentor.timezone))}; unanswered "
            "requests expire and are refunded.",
            buttons=decision_buttons(b.id),
        ),
    )


async def confirmed(u: UnitOfWork, ev: BookingConfirmed) -> None:
    if (p := await _parties(u, ev.booking_id)) is None:
        return
    b = p.b
    # Open action items from the pair's pinned session notes (direct messages, issue #16).
    items = await u.dms.open_items_of(b.learner_id, b.mentor_id)
    for user in (p.mentor, p.learner):
        await p.send(
            user,
            Reply(
                f"✅ *Confirmed #{b.id}*: {b.length_min} min with "
                f"*{esc(p.other(user).display_name)}* at {p.at(user)}.\nTopic: “{esc(b.topic)}”\n"
                f"I'll remind you 24 h and 15 min before. Add every session to your calendar "
                f"automatically: [calendar feed]({await feed_url(u, user.id)})",
                buttons=((LinkButton("🎥 Join link", p.room(user)),),),
                attachment=ics_for(p, user, u.now),
            ),
        )
    if items:
        # A reminder that can wait for the morning (quiet hours), unlike the confirmation.
        await p.send(
            p.learner,
            Reply("📌 Open action items from your last notes: " + "; ".join(items[:5])),
            kind="action_items",
        )


async def ended(u: UnitOfWork, ev: BookingCancelled | BookingExpired) -> None:
    """Expired, declined or cancelled: tell both, offer the learner the next-best mentor."""
    if (p := await _parties(u, ev.booking_id)) is None:
        return
    b, mentor, learner = p.b, p.mentor, p.learner
    if b.pay_state == "pending" and (isinstance(ev, BookingExpired) or ev.by == "learner"):
        # Never paid, so the mentor never saw it; a learner who cancelled was told already.
        if isinstance(ev, BookingExpired):
            await p.send(
                learner,
                Reply(
                    f"⌛ Request #{b.id} ({p.at(learner)}) ended: your payment didn't arrive "
                    "in time, so the slot was released and nothing was charged. Book again: "
                    "/find"
                ),
            )
        return
    if isinstance(ev, BookingExpired):
        head = f"⌛ Request #{b.id} expired: *{esc(mentor.display_name)}* didn't answer in time."
        await p.send(mentor, Reply(f"⌛ Request #{b.id} from {esc(learner.display_name)} expired."))
    elif ev.declined:
        head = f"*{esc(mentor.display_name)}* can't take request #{b.id} ({p.at(learner)})."
    elif ev.by == "mentor" and ev.no_show:
        head = f"*{esc(mentor.display_name)}* didn't join session #{b.id} ({p.at(learner)})."
    elif ev.by == "mentor":
        head = f"*{esc(mentor.display_name)}* cancelled session #{b.id} ({p.at(learner)})."
    else:
        paid = " You'll be paid as per the late-cancellation policy." if ev.mentor_paid else ""
        await p.send(
            mentor,
            Reply(
                f"*{esc(learner.display_name)}* cancelled session #{b.id} ({p.at(mentor)}).{paid}"
            ),
        )
        return
    if b.pay_state == "paid" or b.price_mode == "credits":
        head += f" Your {esc(price_text(b.price_mode, b.amount_minor, b.currency))} is refunded in full."
    alt = await next_best_mentor(u, b)
    buttons: tuple[tuple[Button, ...], ...] = ()
    if alt is not None:
        head += f"\n*{esc(alt.display_name)}* teaches the same and has free time:"
        buttons = ((Button(f"📅 Book {alt.display_name[:30]}", Bk("book", alt.id).pack()),),)
    await p.send(learner, Reply(head, buttons=buttons))


def _lead(minutes: int) -> str:
    if minutes >= 60:
        return f"within {minutes // 60} h"
    return f"in {minutes} min or less"


async def reminder(u: UnitOfWork, ev: ReminderDue) -> None:
    if (p := await _parties(u, ev.booking_id)) is None:
        return
    b = p.b
    for user in (p.mentor, p.learner):
        await p.send(
            user,
            Reply(
                f"⏰ Your session with *{esc(p.other(user).display_name)}* starts "
                f"{_lead(ev.minutes_before)} ({p.at(user)}). Topic: “{esc(b.topic)}”",
                buttons=(
                    (LinkButton("🎥 Join", p.room(user)),),
                    (Button("Cancel", Bk("cancel", b.id).pack()),),
                ),
            ),
            kind="session_reminder",
        )


async def completed(u: UnitOfWork, ev: SessionCompleted) -> None:
    if (p := await _parties(u, ev.booking_id)) is None:
        return
    for user in (p.mentor, p.learner):
        await p.send(
            user,
            Reply(
                f"How was your session with *{esc(p.other(user).display_name)}*? Tap the stars "
                "(your rating is hidden until they rate too).",
                buttons=rating_buttons(p.b.id),
            ),
        )
        # What they learn or teach has a community: this is a good moment to say so.
        kind = "teach" if user.id == p.mentor.id else "learn"
        skills = [s.skill_id for s in await u.profiles.skills_of(user.id, kind)]
        suggested = community_suggestions(await u.communities.suggested(user.id, skills))
        if suggested is not None:
            await p.send(user, suggested)


def _late_terms(b: Booking, fee_bps: int) -> str:
    if b.price_mode == "free" or not b.amount_minor:
        return "the session counts as held"
    return keeps_share(b.amount_minor, b.currency, fee_bps)


async def no_show(u: UnitOfWork, ev: NoShowDecided) -> None:
    if (p := await _parties(u, ev.booking_id)) is None:
        return
    b, mentor, learner = p.b, p.mentor, p.learner
    if ev.verdict == "mentor_absent":
        await p.send(
            mentor,
            Reply(
                f"You didn't join session #{b.id} with {esc(learner.display_name)} "
                f"({p.at(mentor)}). The learner is refunded in full and this counts against "
                "your reliability."
            ),
        )
    elif ev.verdict == "learner_absent":
        await p.send(
            learner,
            Reply(
                f"You didn't join session #{b.id} with {esc(mentor.display_name)} "
                f"({p.at(learner)}) within {u.deps.policies.no_show_after_min} minutes of the "
                f"start, so {_late_terms(b, u.deps.policies.platform_fee_bps)} under the "
                "no-show policy."
            ),
        )


async def disputed(u: UnitOfWork, ev: BookingDisputed) -> None:
    if (p := await _parties(u, ev.booking_id)) is None:
        return
    b, mentor, learner = p.b, p.mentor, p.learner
    reporter = mentor if ev.by == mentor.id else learner
    text = (
        f"⚠️ Session #{b.id} ({esc(mentor.display_name)} with {esc(learner.display_name)}, "
        f"{esc(when(b.starts_at, 'UTC'))}) was reported by {esc(reporter.display_name)}. "
        "Nothing is paid out until an admin decides."
    )
    for admin in await u.session.scalars(select(User).where(User.is_admin.is_(True))):
        await p.send(admin, Reply(text))
    await p.send(
        p.other(reporter),
        Reply(
            f"{esc(reporter.display_name)} reported a problem with session "
            f"#{b.id}; an admin will look at it."
        ),
    )


async def revealed(u: UnitOfWork, ev: RatingsRevealed) -> None:
    if (p := await _parties(u, ev.booking_id)) is None:
        return
    for r in await u.bookings.ratings_of(p.b.id):
        ratee = p.mentor if r.ratee_id == p.mentor.id else p.learner
        quote = f" — “{esc(r.text)}”" if r.text else ""
        await p.send(
            ratee,
            Reply(
                f"{esc(p.other(ratee).display_name)} rated session #{p.b.id} {'★' * r.stars}{quote}"
            ),
            kind="rating",
        )
