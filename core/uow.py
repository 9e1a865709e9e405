"""The unit of work (DESIGN §1): one transaction, services built once, events handled by table.

Every entry point (a chat step, a form, a scheduler tick, a gateway webhook, a call room, a
web page, a CLI command) does its work as

    async with unit_of_work(deps) as u:
        await u.bookings.complete_after_call(booking_id)

On a clean exit the events the services raised are dispatched through `deps.handlers` (event
type -> handlers; a handler may raise further events, handled in the same pass), then the
transaction commits; after the commit the outbox rows it wrote are delivered and the
recommender is told which profiles changed. An exception rolls everything back and nothing
is delivered.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from core.avatars import AvatarStore
from core.booking.admin_money import AdminMoney
from core.booking.admin_people import AdminPeople
from core.booking.analytics import Analytics, Exports, MentorAnalytics
from core.booking.badges import Badges
from core.booking.service import Bookings
from core.booking.swaps import Swaps
from core.booking.upgrade import Upgrades
from core.db import changes
from core.db.audit import Audit
from core.db.engine import Database
from core.delivery import Delivery, enqueue
from core.events import Event
from core.mail import LogMailer
from core.messaging import Reply
from core.policies import Policies
from core.ports import (
    Clock,
    Mail,
    Mailer,
    MailError,
    PaymentGateway,
    Recommender,
    SenderLimits,
    StepObserver,
)
from core.quiet import DEFAULT_KIND
from core.ratelimit import LocalLimits
from core.relay import RelayQueue
from core.services.busy import BusyFeeds
from core.services.catalog import SkillCatalog
from core.services.communities import Communities
from core.services.dms import DirectMessages
from core.services.identity import Identity
from core.services.mentors import Mentors
from core.services.moderation import Moderation
from core.services.money import Money
from core.services.payments import Payments
from core.services.places import Places
from core.services.posts import Posts
from core.services.privacy import Privacy
from core.services.profiles import Profiles
from core.services.relay import Relay
from core.services.safety import Safety
from core.services.search import Directory
from core.services.transcript import Transcript
from core.services.trust import Trust
from core.services.verification import Verification
from core.signing import SigningKeys

# A handler gets the unit of work it runs in and the event; it writes through `u`.
Handler = Callable[["UnitOfWork", Any], Awaitable[None]]
HandlerTable = Mapping[type, Sequence[Handler]]

log = logging.getLogger("mentorbot.uow")

MAX_EVENTS = 1000  # a handler loop that keeps raising events is a bug: fail loudly


@dataclass(frozen=True)
class Deps:
    """Everything the core needs, complete when built (mentorbot/bootstrap.py)."""

    db: Database
    clock: Clock
    policies: Policies
    signing_keys: SigningKeys
    catalog: SkillCatalog
    delivery: Delivery
    handlers: HandlerTable
    relay: RelayQueue
    admins: frozenset[str] = frozenset()
    gateway: PaymentGateway | None = None
    recommender: Recommender | None = None
    observer: StepObserver | None = None
    avatars: AvatarStore = field(default_factory=AvatarStore)
    # Email (issue 18): without SMTP settings, a mailer that writes to the server log.
    mailer: Mailer = field(default_factory=LogMailer)
    # Per-sender rate limits (direct messages): per process unless bootstrap gives a shared one.
    sender_limits: SenderLimits = field(default_factory=LocalLimits)


@dataclass
class UnitOfWork:
    deps: Deps
    session: AsyncSession
    now: datetime
    events: list[Event] = field(default_factory=list)
    outbox: list[int] = field(default_factory=list)
    # Profiles whose searchable content may have changed: logged for every process's search
    # before commit, re-indexed in this one after it.
    changed_profiles: set[int] = field(default_factory=set)
    # Community messages written (community_id, message_id): web rooms hear after commit.
    relayed: list[tuple[int, int]] = field(default_factory=list)
    # Emails (user_id, mail) to send once this unit of work has committed.
    mail_out: list[tuple[int, Mail]] = field(default_factory=list)
    # Direct messages written or seen (thread_id, message_id): /messages pages hear after commit.
    dms_written: list[tuple[int, int]] = field(default_factory=list)

    @property
    def policies(self) -> Policies:
        return self.deps.policies

    @cached_property
    def money(self) -> Money:
        return Money(self.session, self.now, self.deps.policies, self.events, self.deps.gateway)

    @cached_property
    def bookings(self) -> Bookings:
        return Bookings(self.session, self.now, self.deps.policies, self.events, self.money)

    @cached_property
    def swaps(self) -> Swaps:
        return Swaps(self.bookings)

    @cached_property
    def upgrades(self) -> Upgrades:
        return Upgrades(self.session, self.now, self.deps.policies)

    @cached_property
    def badges(self) -> Badges:
        return Badges(self.session, self.now, self.deps.policies)

    @cached_property
    def busy_feeds(self) -> BusyFeeds:
        return BusyFeeds(self.session, self.now)

    @cached_property
    def audit(self) -> Audit:
        return Audit(self.session, self.now)

    @cached_property
    def admin_money(self) -> AdminMoney:
        return AdminMoney(self.session, self.now, self.money, self.audit)

    @cached_property
    def admin_people(self) -> AdminPeople:
        return AdminPeople(self.session, self.now, self.audit, self.identity)

    @cached_property
    def payments(self) -> Payments:
        gw = self.deps.gateway
        return Payments(
            self.session,
            self.now,
            self.events,
            gateway_name=gw.name if gw is not None else "sandbox",
            public_url=self.deps.policies.public_url,
        )

    @cached_property
    def analytics(self) -> Analytics:
        return Analytics(self.session, self.now)

    @cached_property
    def mentor_analytics(self) -> MentorAnalytics:
        return MentorAnalytics(self.session, self.now)

    @cached_property
    def exports(self) -> Exports:
        return Exports(self.session)

    @cached_property
    def mentors(self) -> Mentors:
        return Mentors(
            self.session,
            self.now,
            self.events,
            needs_verified_email=self.deps.policies.mentor_needs_verified_email,
        )

    @cached_property
    def identity(self) -> Identity:
        return Identity(
            self.session,
            self.now,
            self.deps.admins,
            starter_credits=self.deps.policies.starter_credits,
        )

    @cached_property
    def profiles(self) -> Profiles:
        return Profiles(self.session, self.events)

    @cached_property
    def directory(self) -> Directory:
        return Directory(self.session)

    @cached_property
    def trust(self) -> Trust:
        return Trust(self.session, self.now, self.deps.avatars)

    @cached_property
    def transcript(self) -> Transcript:
        return Transcript(self.session)

    @cached_property
    def places(self) -> Places:
        return Places(self.session, self.now)

    @cached_property
    def communities(self) -> Communities:
        return Communities(self.session, self.now)

    @cached_property
    def relay(self) -> Relay:
        return Relay(self.session, self.now, self.relayed)

    @cached_property
    def dms(self) -> DirectMessages:
        return DirectMessages(self.session, self.now, self.dms_written)

    @cached_property
    def moderation(self) -> Moderation:
        return Moderation(self.session, self.now, self.relay)

    @cached_property
    def safety(self) -> Safety:
        return Safety(
            self.session, self.now, self.events, self.deps.policies.report_alert_threshold
        )

    @cached_property
    def privacy(self) -> Privacy:
        return Privacy(
            self.session, self.now, self.deps.policies.erasure_grace_days, self.deps.avatars
        )

    @cached_property
    def posts(self) -> Posts:
        return Posts(
            self.session,
            self.now,
            self.relay,
            self.deps.policies.public_url,
            self.profiles_changed,
            self.events,
        )

    @cached_property
    def verification(self) -> Verification:
        return Verification(
            self.session,
            self.now,
            self.deps.policies,
            self.deps.signing_keys.current,
            self.mail_out,
        )

    async def notify(
        self, user_id: int, replies: Sequence[Reply], kind: str = DEFAULT_KIND
    ) -> None:
        """Queue messages for a person; they go out once this unit of work has committed, or
        at the end of the person's quiet hours for a kind they hold (core.quiet.KINDS)."""
        self.outbox += await enqueue(self.session, user_id, list(replies), self.now, kind)

    def profiles_changed(self, user_ids: Iterable[int]) -> None:
        self.changed_profiles.update(user_ids)

    async def dispatch(self) -> None:
        """Run every collected event through the handler table, until none are left."""
        handled = 0
        while self.events:
            ev = self.events.pop(0)
            handled += 1
            if handled > MAX_EVENTS:
                raise RuntimeError(f"event handlers keep raising events (last: {ev!r})")
            for handler in self.deps.handlers.get(type(ev), ()):
                await handler(self, ev)


@asynccontextmanager
async def unit_of_work(deps: Deps) -> AsyncIterator[UnitOfWork]:
    async with deps.db.transaction() as session:
        u = UnitOfWork(deps, session, deps.clock.now())
        yield u
        await u.dispatch()
        # In the same transaction: every process's search follows this log (matching/follow.py).
        await changes.record(session, u.changed_profiles, u.now)
    await after_commit(deps, u)


async def after_commit(deps: Deps, u: UnitOfWork) -> None:
    if u.changed_profiles and deps.recommender is not None:
        deps.recommender.profiles_written(u.changed_profiles)
    if u.outbox:
        await deps.delivery.flush(u.outbox)
    if u.relayed:
        await deps.relay.written(u.relayed)
    for user_id, mail in u.mail_out:
        try:
            await deps.mailer.send(mail)
        except MailError as exc:
            log.warning("email to user %s not sent: %s", user_id, exc)
            async with unit_of_work(deps) as again:
                await again.notify(
                    user_id,
                    [
                        Reply(
                            "I couldn't send that email (the mail server refused or didn't "
                            "answer). Please try /verify again in a few minutes."
                        )
                    ],
                    kind="verification",
                )
    if u.dms_written:
        await deps.relay.dms_written(u.dms_written)
