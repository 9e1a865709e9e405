"""The core application object: everything a step needs that outlives one event."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.clockwork import TickReport
from core.db.engine import Database
from core.delivery import Delivery
from core.dialogs.engine import Ctx, Registry
from core.events import (
    Event,
    PaymentCaptured,
    PaymentFailed,
    profiles_touched,
)
from core.forms import Form, FormOutcome, FormValues
from core.messaging import Actor, ConversationKey, Inbound, Reply
from core.policies import Policies
from core.ports import Clock, PaymentGateway, Recommender
from core.runner import Runner
from core.services.catalog import SkillCatalog


class CoreApp:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        admins: frozenset[str] = frozenset(),
        policies: Policies | None = None,
        signing_key: bytes | None = None,
        recommender: Recommender | None = None,
    ) -> None:
        self.db = db
        # Signs links handed out in chat (call rooms, calendar feeds); random if not given.
        self.signing_key = signing_key or secrets.token_bytes(32)
        self.clock = clock
        self.admins = admins
        self.policies = policies or Policies()
        self.catalog = SkillCatalog()
        # Set by the composition root (payments.setup_payments); None: no paid features.
        self.payments_gateway: PaymentGateway | None = None
        # None: "find a mentor" uses the basic Directory ranking.
        self.recommender: Recommender | None = recommender
        self.delivery = Delivery(db, clock)
        from core.dialogs import build_registry

        self.registry: Registry = build_registry()
        self.runner = Runner(self, self.registry)

    async def handle(
        self, actor: Actor, inbound: Inbound, key: ConversationKey | None = None
    ) -> list[Reply]:
        return await self.runner.handle(actor, inbound, key)

    # ---- forms (surfaces with forms, e.g. Slack modals; others use the step dialogs) ----
    def form_for(self, inbound: Inbound) -> str | None:
        """The form that can stand in for this command or button, if any."""
        from core.dialogs.forms import form_for

        return form_for(inbound)

    async def open_form(self, actor: Actor, name: str) -> Form | None:
        """The form prefilled with the person's answers; None: handle the inbound as steps."""
        from core.dialogs.forms import open_form

        return await open_form(self, actor, name)

    async def check_form(self, actor: Actor, name: str, values: FormValues) -> dict[str, str]:
        from core.dialogs.forms import check_form

        return await check_form(self, actor, name, values)

    async def submit_form(self, actor: Actor, name: str, values: FormValues) -> FormOutcome:
        from core.dialogs.forms import submit_form

        return await submit_form(self, actor, name, values)

    async def home(self, actor: Actor) -> list[Reply]:
        """Profile, upcoming sessions and wallet at a glance (e.g. Slack's App Home)."""
        from core.dialogs.home import home

        return await home(self, actor)

    async def handle_events(
        self, session: AsyncSession, events: list[Event], now: datetime
    ) -> list[int]:
        from core.notifications import notify

        ids: list[int] = []
        # Handlers may raise further events; process until quiet.
        while events:
            ev = events.pop(0)
            if isinstance(ev, (PaymentCaptured, PaymentFailed)):
                from core.booking.payment_events import on_booking_payment

                ids.extend(await on_booking_payment(self, session, ev, now, events))
            ids.extend(await notify(self, session, ev, now))
        return ids

    async def tick(self) -> TickReport:
        """Advance everything time-driven (expiries, reminders, completions)."""
        from core.booking.clockwork import tick

        return await tick(self)

    def written(self, user_id: int, events: list[Event]) -> None:
        """After a step committed: let the recommender re-index profiles that may have changed."""
        if self.recommender is None:
            return
        self.recommender.profiles_written(profiles_touched(user_id, events))

    async def help_reply(self, ctx: Ctx) -> Reply:
        from core.dialogs.menu import help_reply

        return help_reply(ctx)
