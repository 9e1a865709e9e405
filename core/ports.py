"""Ports: what core needs from the outside, as Protocols wired in mentorbot/."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from core.messaging import Reply
from core.recommend import MatchQuery, RecommendationList


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass(frozen=True)
class Destination:
    """A concrete chat account a message goes to."""

    account_id: int
    platform: str
    workspace: str
    external_id: str


class Channel(Protocol):
    """Delivers replies on one platform. False means "not now": the outbox keeps it."""

    platform: str

    async def deliver(self, to: Destination, replies: Sequence[Reply]) -> bool: ...


class Recommender(Protocol):
    """Ranks approved mentors for a learner's request (DESIGN §8); implemented in matching/."""

    def understand(self, text: str, learner_tz: str | None, now: datetime) -> MatchQuery:
        """Skills, level, time window (in the learner's zone), price cap, languages; the rest
        stays free text."""
        ...

    async def recommend(
        self,
        session: AsyncSession,
        learner_id: int,
        query: MatchQuery,
        k: int,
        now: datetime,
        offset: int = 0,
    ) -> RecommendationList: ...

    def profiles_written(self, user_ids: Iterable[int]) -> None:
        """Profiles changed (committed): re-index them off the request path, within a second."""
        ...

    async def log_event(
        self,
        session: AsyncSession,
        learner_id: int,
        mentor_id: int,
        kind: str,
        now: datetime,
        position: int | None = None,
    ) -> None:
        """An impression, click, request, completion or rating, logged with the learner's variant."""
        ...

    def weights(self) -> dict[str, float]:
        """The blend weights in use, by signal (plus exploration and exposure)."""
        ...

    async def set_weights(
        self, changes: Mapping[str, float], now: datetime, session: AsyncSession | None = None
    ) -> dict[str, float]:
        """An admin changes weights (ValueError when a name or value is not allowed)."""
        ...

    async def reset_weights(
        self, now: datetime, session: AsyncSession | None = None
    ) -> dict[str, float]: ...
