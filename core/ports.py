"""Ports: what core needs from the outside, as Protocols wired in mentorbot/."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from core.messaging import Reply


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
