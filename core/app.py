"""The core's facade for adapters: one inbound in, replies out; forms; home; the clock's work.

Built from a complete, frozen `Deps` (mentorbot/bootstrap.py); nothing is set on it afterwards.
"""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from core.booking.feed import user_feed
from core.clockwork import TickReport, tick
from core.db.engine import Database
from core.db.inbound import first_seen
from core.db.kv import get_value, put_value
from core.delivery import Delivery
from core.dialogs import build_registry
from core.dialogs.forms import check_form, form_for, open_form, submit_form
from core.dialogs.home import home
from core.forms import Form, FormOutcome, FormValues
from core.messaging import Actor, ConversationKey, Delivered, Inbound, Reply
from core.notices.table import core_handlers
from core.policies import Policies
from core.ports import Clock, PaymentGateway, Recommender
from core.runner import Runner
from core.services.announcements import Announcements
from core.services.catalog import SkillCatalog
from core.services.identity import Who
from core.services.places import Place
from core.uow import Deps, Handler, UnitOfWork, unit_of_work


class CoreApp:
    def __init__(self, deps: Deps) -> None:
        self.deps = deps
        self.registry = build_registry()
        self.runner = Runner(deps, self.registry)

    @classmethod
    def create(
        cls,
        db: Database,
        clock: Clock,
        *,
        policies: Policies | None = None,
        admins: frozenset[str] = frozenset(),
        signing_key: bytes | None = None,
        gateway: PaymentGateway | None = None,
        recommender: Recommender | None = None,
        catalog: SkillCatalog | None = None,
        extra_handlers: dict[type, tuple[Handler, ...]] | None = None,
    ) -> CoreApp:
        """A complete core; what is not given is the default (random signing key: links
        handed out in chat are valid for this process only; no gateway: no paid features;
        no recommender: "find a mentor" uses the basic Directory ranking)."""
        return cls(
            Deps(
                db=db,
                clock=clock,
                policies=policies or Policies(),
                signing_key=signing_key or secrets.token_bytes(32),
                catalog=catalog or SkillCatalog(),
                delivery=Delivery(db, clock, policies or Policies()),
                handlers=core_handlers(extra_handlers),
                admins=admins,
                gateway=gateway,
                recommender=recommender,
            )
        )

    # Read-only views of the dependencies, for adapters.
    @property
    def db(self) -> Database:
        return self.deps.db

    @property
    def clock(self) -> Clock:
        return self.deps.clock

    @property
    def policies(self) -> Policies:
        return self.deps.policies

    @property
    def signing_key(self) -> bytes:
        return self.deps.signing_key

    @property
    def catalog(self) -> SkillCatalog:
        return self.deps.catalog

    @property
    def delivery(self) -> Delivery:
        return self.deps.delivery

    @property
    def recommender(self) -> Recommender | None:
        return self.deps.recommender

    @property
    def payments_gateway(self) -> PaymentGateway | None:
        return self.deps.gateway

    @property
    def admins(self) -> frozenset[str]:
        return self.deps.admins

    @asynccontextmanager
    async def uow(self) -> AsyncIterator[UnitOfWork]:
        """A unit of work for entry points outside a conversation (pages, webhooks, CLI)."""
        async with unit_of_work(self.deps) as u:
            yield u

    async def handle(
        self,
        actor: Actor,
        inbound: Inbound,
        key: ConversationKey | None = None,
        *,
        once: Delivered | None = None,
    ) -> list[Reply]:
        """Replies to one inbound. `once`: the platform's delivery id (Telegram update_id,
        Slack event_id); a redelivery of it answers [] and changes nothing."""
        return await self.runner.handle(actor, inbound, key, once=once)

    async def first_delivery(self, once: Delivered) -> bool:
        """Records a delivery the adapter answers by itself, with no step in core (e.g. "let's
        do that in a private chat"); False if it was recorded before. A step records its own
        delivery: pass `once` to handle() instead."""
        async with unit_of_work(self.deps) as u:
            return await first_seen(u.session, once.source, once.event_id, u.now)

    async def bot_added(self, place: Place, *, once: Delivered | None = None) -> bool:
        """The bot was added to a group (or is back in one); False if `once` was handled
        before, and then nothing changed (don't greet the group twice)."""
        async with unit_of_work(self.deps) as u:
            if once is not None and not await first_seen(
                u.session, once.source, once.event_id, u.now
            ):
                return False
            await u.places.added(place)
            return True

    async def bot_removed(self, place: Place, *, once: Delivered | None = None) -> bool:
        """The bot was removed from (or kicked out of) a group: recorded as inactive."""
        async with unit_of_work(self.deps) as u:
            if once is not None and not await first_seen(
                u.session, once.source, once.event_id, u.now
            ):
                return False
            await u.places.removed(place)
            return True

    # ---- forms (surfaces with forms, e.g. Slack modals; others use the step dialogs) ----
    def form_for(self, inbound: Inbound) -> str | None:
        """The form that can stand in for this command or button, if any."""
        return form_for(inbound)

    async def open_form(self, actor: Actor, name: str) -> Form | None:
        """The form prefilled with the person's answers; None: handle the inbound as steps."""
        return await open_form(self.runner, actor, name)

    async def check_form(self, actor: Actor, name: str, values: FormValues) -> dict[str, str]:
        return await check_form(self.runner, actor, name, values)

    async def submit_form(
        self, actor: Actor, name: str, values: FormValues, *, once: Delivered | None = None
    ) -> FormOutcome:
        return await submit_form(self.runner, actor, name, values, once=once)

    @property
    def announcements(self) -> Announcements:
        """Servers' announcement setups and the approved mentors announced there (Discord)."""
        return Announcements(self.db, self.clock)

    # ---- small lookups adapters need at their boundary ----
    def knows_action(self, payload: str) -> bool:
        """Whether some dialog or handler takes this button payload (else it is stale)."""
        prefix = payload.split(":", 1)[0]
        reg = self.registry
        return prefix in reg.actions or any(prefix in d.prefixes for d in reg.dialogs.values())

    def skill_names(self, typed: str, limit: int = 25) -> list[str]:
        """Skill names for autocomplete: those starting like `typed`, then close matches."""
        index = self.catalog.index
        start = typed.strip().casefold()
        names = sorted(ref.name for ref in index.by_id.values())
        hits = [n for n in names if n.casefold().startswith(start)] if start else names
        if start and len(hits) < limit:
            hits += [r.name for r in index.suggest(typed, limit=10) if r.name not in hits]
        return hits[:limit]

    async def get_value(self, key: str) -> str | None:
        """A fact an adapter keeps between restarts (core's key/value table)."""
        async with self.db.transaction() as s:
            return await get_value(s, key)

    async def put_value(self, key: str, value: str | None) -> None:
        """Store (None: forget) a fact an adapter keeps between restarts."""
        async with self.db.transaction() as s:
            await put_value(s, key, value, self.clock.now())

    async def who(self, actor: Actor) -> Who | None:
        """The name the person gave and their admin flag, for a surface's header (the web
        chat shows the name and an Admin badge); None before their first message."""
        async with unit_of_work(self.deps) as u:
            return await u.identity.who(actor)

    async def home(self, actor: Actor) -> list[Reply]:
        """Profile, upcoming sessions and wallet at a glance (e.g. Slack's App Home)."""
        return await home(self.runner, actor)

    async def calendar_feed(self, user_id: int) -> bytes:
        """A person's sessions as an iCalendar feed (the private /calendar/{token}.ics)."""
        async with unit_of_work(self.deps) as u:
            return await user_feed(
                u.session, self.deps.policies.public_url, self.deps.signing_key, user_id, u.now
            )

    async def tick(self) -> TickReport:
        """Advance everything time-driven (expiries, reminders, completions)."""
        return await tick(self.deps)
