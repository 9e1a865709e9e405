"""Booking events → messages for mentor and learner, each in their own chat and time zone."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.events import (
    BookingCancelled,
    BookingConfirmed,
    BookingDisputed,
    BookingEvent,
    BookingExpired,
    BookingRequested,
    NoShowDecided,
    RatingsRevealed,
    ReminderDue,
    SessionCompleted,
)
from core.booking.service import Bookings
from core.booking.tables import Booking
from core.booking.views import price_text, room_url, when
from core.calendar import SessionEntry, feed_token, session_ics
from core.db.schema import User, UserSkill
from core.delivery import enqueue
from core.dialogs.sessions import Bk, decision_buttons, rating_buttons
from core.markup import esc
from core.messaging import Attachment, Button, LinkButton, Reply
from core.services.search import Directory, SearchFilters

if TYPE_CHECKING:
    from core.app import CoreApp


async def _users(s: AsyncSession, b: Booking) -> tuple[User, User]:
    mentor = await s.get(User, b.mentor_id)
    learner = await s.get(User, b.learner_id)
    assert mentor is not None and learner is not None
    return mentor, learner


def ics_for(
    app: CoreApp, b: Booking, mentor: User, learner: User, user: User, now: datetime
) -> Attachment:
    other = learner if user.id == mentor.id else mentor
    entry = SessionEntry(
        booking_id=b.id,
        starts_at=b.starts_at,
        ends_at=b.ends_at,
        title=f"MentorBot: {b.length_min} min with {other.display_name}",
        description=f"Topic: {b.topic}",
        url=room_url(app.policies.public_url, app.signing_key, b, user.id),
        cancelled=b.status not in ("requested", "accepted", "confirmed", "completed"),
    )
    return Attachment(f"mentorbot-session-{b.id}.ics", "text/calendar", session_ics([entry], now))


def feed_url(app: CoreApp, user_id: int) -> str:
    return f"{app.policies.public_url}/calendar/{feed_token(app.signing_key, user_id)}.ics"


async def next_best_mentor(app: CoreApp, s: AsyncSession, b: Booking, now: datetime) -> User | None:
    """The best-rated other approved mentor teaching one of this mentor's skills, with time free."""
    skills = list(
        await s.scalars(
            select(UserSkill.skill_id).where(
                UserSkill.user_id == b.mentor_id, UserSkill.kind == "teach"
            )
        )
    )
    svc = Bookings(s, now, app.policies, [])
    for skill_id in skills[:3]:
        page = await Directory(s).search(
            SearchFilters(skill_id=skill_id, exclude_user_id=b.learner_id), 0, 10
        )
        for hit in page.hits:
            if hit.user_id == b.mentor_id:
                continue
            offer = await svc.offering(hit.user_id)
            if offer is None:
                continue
            length = b.length_min if b.length_min in offer.lengths else offer.lengths[0]
            if await svc.free_slots(offer, b.learner_id, length):
                return await s.get(User, hit.user_id)
    return None


async def booking_notice(
    app: CoreApp, s: AsyncSession, event: BookingEvent, now: datetime
) -> list[int]:
    b = await s.get(Booking, event.booking_id)
    if b is None:
        return []
    mentor, learner = await _users(s, b)
    price = price_text(b.price_mode, b.amount_minor, b.currency)
    ids: list[int] = []

    async def send(user: User, *replies: Reply) -> None:
        ids.extend(await enqueue(s, user.id, replies, now))

    def at(user: User) -> str:
        return esc(when(b.starts_at, user.timezone))

    if isinstance(event, BookingRequested):
        verb = "wants to move their session to" if event.rescheduled else "requests"
        await send(
            mentor,
            Reply(
                f"📅 *Session request #{b.id}*: *{esc(learner.display_name)}* {verb} "
                f"{b.length_min} min at {at(mentor)}.\n"
                f"Topic: “{esc(b.topic)}” · {esc(price)}\n"
                f"Please answer by {esc(when(b.respond_by, mentor.timezone))}; unanswered "
                "requests expire and are refunded.",
                buttons=decision_buttons(b.id),
            ),
        )
    elif isinstance(event, BookingConfirmed):
        for user in (mentor, learner):
            other = learner if user is mentor else mentor
            url = room_url(app.policies.public_url, app.signing_key, b, user.id)
            await send(
                user,
                Reply(
                    f"✅ *Confirmed #{b.id}*: {b.length_min} min with *{esc(other.display_name)}* "
                    f"at {at(user)}.\nTopic: “{esc(b.topic)}”\n"
                    f"I'll remind you 24 h and 15 min before. Add every session to your calendar "
                    f"automatically: [calendar feed]({feed_url(app, user.id)})",
                    buttons=((LinkButton("🎥 Join link", url),),),
                    attachment=ics_for(app, b, mentor, learner, user, now),
                ),
            )
    elif isinstance(event, (BookingCancelled, BookingExpired)):
        if isinstance(event, BookingExpired):
            head = (
                f"⌛ Request #{b.id} expired: *{esc(mentor.display_name)}* didn't answer in time."
            )
            await send(
                mentor, Reply(f"⌛ Request #{b.id} from {esc(learner.display_name)} expired.")
            )
        elif event.declined:
            head = f"*{esc(mentor.display_name)}* can't take request #{b.id} ({at(learner)})."
        elif event.by == "mentor" and event.no_show:
            head = f"*{esc(mentor.display_name)}* didn't join session #{b.id} ({at(learner)})."
        elif event.by == "mentor":
            head = f"*{esc(mentor.display_name)}* cancelled session #{b.id} ({at(learner)})."
        else:
            head = ""
            await send(
                mentor,
                Reply(
                    f"*{esc(learner.display_name)}* cancelled session #{b.id} ({at(mentor)})."
                    + (
                        " You'll be paid as per the late-cancellation policy."
                        if event.mentor_paid
                        else ""
                    )
                ),
            )
        if head:
            if b.pay_state == "paid" or b.price_mode == "credits":
                head += f" Your {esc(price)} is refunded in full."
            alt = await next_best_mentor(app, s, b, now)
            buttons: tuple[tuple[Button, ...], ...] = ()
            if alt is not None:
                head += f"\n*{esc(alt.display_name)}* teaches the same and has free time:"
                buttons = (
                    (Button(f"📅 Book {alt.display_name[:30]}", Bk("book", alt.id).pack()),),
                )
            await send(learner, Reply(head, buttons=buttons))
    elif isinstance(event, ReminderDue):
        for user in (mentor, learner):
            other = learner if user is mentor else mentor
            url = room_url(app.policies.public_url, app.signing_key, b, user.id)
            lead = _lead(event.minutes_before)
            await send(
                user,
                Reply(
                    f"⏰ Your session with *{esc(other.display_name)}* starts {lead} "
                    f"({at(user)}). Topic: “{esc(b.topic)}”",
                    buttons=(
                        (LinkButton("🎥 Join", url),),
                        (Button("Cancel", Bk("cancel", b.id).pack()),),
                    ),
                ),
            )
    elif isinstance(event, SessionCompleted):
        for user in (mentor, learner):
            other = learner if user is mentor else mentor
            await send(
                user,
                Reply(
                    f"How was your session with *{esc(other.display_name)}*? Tap the stars "
                    "(your rating is hidden until they rate too).",
                    buttons=rating_buttons(b.id),
                ),
            )
    elif isinstance(event, NoShowDecided):
        if event.verdict == "mentor_absent":
            await send(
                mentor,
                Reply(
                    f"You didn't join session #{b.id} with {esc(learner.display_name)} "
                    f"({at(mentor)}). The learner is refunded in full and this counts against "
                    "your reliability."
                ),
            )
        elif event.verdict == "learner_absent":
            await send(
                learner,
                Reply(
                    f"You didn't join session #{b.id} with {esc(mentor.display_name)} "
                    f"({at(learner)}) within 5 minutes of the start, so the mentor is paid "
                    "under the no-show policy."
                ),
            )
    elif isinstance(event, BookingDisputed):
        reporter = mentor if event.by == mentor.id else learner
        other = learner if reporter is mentor else mentor
        text = (
            f"⚠️ Session #{b.id} ({esc(mentor.display_name)} with {esc(learner.display_name)}, "
            f"{esc(when(b.starts_at, 'UTC'))}) was reported by {esc(reporter.display_name)}. "
            "Nothing is paid out until an admin decides."
        )
        admins = await s.scalars(select(User).where(User.is_admin.is_(True)))
        for admin in admins:
            await send(admin, Reply(text))
        await send(
            other,
            Reply(
                f"{esc(reporter.display_name)} reported a problem with session "
                f"#{b.id}; an admin will look at it."
            ),
        )
    elif isinstance(event, RatingsRevealed):
        svc = Bookings(s, now, app.policies, [])
        for r in await svc.ratings_of(b.id):
            ratee = mentor if r.ratee_id == mentor.id else learner
            rater = learner if ratee is mentor else mentor
            quote = f" — “{esc(r.text)}”" if r.text else ""
            await send(
                ratee,
                Reply(f"{esc(rater.display_name)} rated session #{b.id} {'★' * r.stars}{quote}"),
            )
    return ids


def _lead(minutes: int) -> str:
    if minutes >= 60:
        return f"within {minutes // 60} h"
    return f"in {minutes} min or less"


async def user_feed(app: CoreApp, s: AsyncSession, user_id: int, now: datetime) -> bytes:
    """Everything in one user's calendar: active and recent sessions, cancelled ones marked."""
    rows = list(
        await s.scalars(
            select(Booking)
            .where(
                (Booking.mentor_id == user_id) | (Booking.learner_id == user_id),
                Booking.starts_at >= now - timedelta(days=60),
                Booking.status.in_(["confirmed", "completed", "cancelled", "disputed"]),
            )
            .order_by(Booking.starts_at)
        )
    )
    entries: list[SessionEntry] = []
    for b in rows:
        mentor, learner = await _users(s, b)
        other = learner if user_id == mentor.id else mentor
        entries.append(
            SessionEntry(
                booking_id=b.id,
                starts_at=b.starts_at,
                ends_at=b.ends_at,
                title=f"MentorBot: {b.length_min} min with {other.display_name}",
                description=f"Topic: {b.topic}",
                url=room_url(app.policies.public_url, app.signing_key, b, user_id),
                cancelled=b.status == "cancelled",
                sequence=1 if b.status == "cancelled" else 0,
            )
        )
    return session_ics(entries, now, name="MentorBot sessions")
