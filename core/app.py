"""The core application object: everything a step needs that outlives one event."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.delivery import Delivery
from core.dialogs.engine import Ctx, Registry
from core.events import Event, SkillTagCreated
from core.messaging import Actor, ConversationKey, Inbound, Reply
from core.ports import Clock, Recommender
from core.runner import Runner
from core.services.catalog import SkillCatalog


@dataclass(frozen=True)
class Policies:
    page_size: int = 5
    default_price_minor: int = 10000
    currency: str = "INR"
    session_lengths: tuple[int, ...] = (10, 20, 30)
    default_session_minutes: int = 10
    public_url: str = "http://127.0.0.1:8080"


class CoreApp:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        *,
        admins: frozenset[str] = frozenset(),
        policies: Policies | None = None,
        recommender: Recommender | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.admins = admins
        self.policies = policies or Policies()
        self.catalog = SkillCatalog()
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

    async def handle_events(
        self, session: AsyncSession, events: list[Event], now: datetime
    ) -> list[int]:
        from core.notifications import notify

        ids: list[int] = []
        # Handlers may raise further events; process until quiet.
        while events:
            ev = events.pop(0)
            ids.extend(await notify(self, session, ev, now))
        return ids

    def written(self, user_id: int, events: list[Event]) -> None:
        """After a step committed: let the recommender re-index profiles that may have changed."""
        if self.recommender is None:
            return
        ids = {user_id}
        ids.update(ev.user_id for ev in events if not isinstance(ev, SkillTagCreated))
        self.recommender.profiles_written(ids)

    async def help_reply(self, ctx: Ctx) -> Reply:
        from core.dialogs.menu import help_reply

        return help_reply(ctx)
