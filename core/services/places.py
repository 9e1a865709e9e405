"""Where the bot is (groups it was added to, per platform), so communities can be linked to
them later and a place the bot was removed from is known to be gone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.places import BotPlace
from core.messaging import Platform, clean_text

TITLE_MAX = 255


@dataclass(frozen=True)
class Place:
    platform: Platform
    workspace: str  # "telegram"; a Slack team or Discord guild id elsewhere
    chat_id: str
    title: str = ""


@dataclass(frozen=True)
class PlaceInfo:
    place: Place
    active: bool
    since: datetime


class Places:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.s = session
        self.now = now

    async def _row(self, place: Place) -> BotPlace | None:
        return await self.s.scalar(
            select(BotPlace).where(
                BotPlace.platform == place.platform,
                BotPlace.workspace == place.workspace,
                BotPlace.chat_id == place.chat_id,
            )
        )

    async def added(self, place: Place) -> None:
        """The bot is in this place (again); its title is refreshed."""
        title = clean_text(place.title)[:TITLE_MAX]
        row = await self._row(place)
        if row is None:
            self.s.add(
                BotPlace(
                    platform=place.platform,
                    workspace=place.workspace,
                    chat_id=place.chat_id,
                    title=title,
                    active=True,
                    since=self.now,
                )
            )
            await self.s.flush()
            return
        if not row.active:
            row.active, row.since = True, self.now
        if title:
            row.title = title

    async def removed(self, place: Place) -> None:
        """The bot was removed (left, kicked): the place is kept, marked inactive."""
        row = await self._row(place)
        if row is None:
            # Added before this was recorded: remember it as a place that is gone.
            self.s.add(
                BotPlace(
                    platform=place.platform,
                    workspace=place.workspace,
                    chat_id=place.chat_id,
                    title=clean_text(place.title)[:TITLE_MAX],
                    active=False,
                    since=self.now,
                )
            )
            await self.s.flush()
        elif row.active:
            row.active, row.since = False, self.now

    async def get(self, platform: Platform, workspace: str, chat_id: str) -> PlaceInfo | None:
        row = await self._row(Place(platform, workspace, chat_id))
        return None if row is None else _info(row)

    async def active(self, platform: Platform, workspace: str) -> list[PlaceInfo]:
        rows = await self.s.scalars(
            select(BotPlace)
            .where(
                BotPlace.platform == platform,
                BotPlace.workspace == workspace,
                BotPlace.active.is_(True),
            )
            .order_by(BotPlace.id)
        )
        return [_info(r) for r in rows]


def _info(row: BotPlace) -> PlaceInfo:
    place = Place(row.platform, row.workspace, row.chat_id, row.title)  # type: ignore[arg-type]
    return PlaceInfo(place, row.active, row.since)
