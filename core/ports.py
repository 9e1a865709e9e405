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


class SenderLimits(Protocol):
    """How fast one sender may write (a token bucket per key): in this process
    (core.ratelimit.LocalLimits) or kept by every worker together (mentorbot.shared_limits,
    on Redis)."""

    async def allow(self, key: str, rate_per_s: float, burst: int, now: float) -> bool:
        """Whether one more message under `key` may go now (and counts it when it may).
        `now`: the core clock's seconds (a shared store may use its own clock)."""
        ...


class StepObserver(Protocol):
    """Told how long each chat step took, by dialog and by the platform it came from
    (metrics; wired in mentorbot/)."""

    def step(self, dialog: str, seconds: float, platform: str) -> None: ...


class RankObserver(Protocol):
    """Told how long the recommender took to rank one query, per experiment variant
    (metrics; wired in mentorbot/)."""

    def ranked(self, variant: str, seconds: float) -> None: ...


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


@dataclass(frozen=True)
class GatewayPayment:
    """A payment attempt as the gateway reports it (amounts in minor units)."""

    payment_id: str
    order_id: str
    status: str  # created | authorized | captured | failed | refunded
    amount: int
    currency: str
    error: str = ""


class GatewayError(Exception):
    """The gateway refused or could not be reached; nothing was done on our side."""


class PaymentGateway(Protocol):
    """Razorpay or the local sandbox (payments/). Every money-moving call is idempotent by key."""

    name: str  # "razorpay" | "sandbox"

    async def create_order(
        self, *, amount: int, currency: str, receipt: str, notes: Mapping[str, str]
    ) -> str:
        """A gateway order to pay against; returns its id."""
        ...

    async def order_payments(self, order_id: str) -> list[GatewayPayment]: ...

    async def refund(self, *, payment_id: str, amount: int, key: str) -> str:
        """Refund (part of) a captured payment once per key; returns the refund id."""
        ...

    async def payout(
        self, *, amount: int, currency: str, key: str, destination: str, name: str
    ) -> str:
        """Pay `amount` to a UPI id once per key; returns the payout id."""
        ...


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


# ---- the community bridge (DESIGN §11) ----


# A conversation key's chat_id for a place inside a chat: "<chat>/<thread>" (a Telegram
# forum topic: a group command run there acts on the topic).
THREAD_SEP = "/"


@dataclass(frozen=True)
class ChatRef:
    """A linked chat on a platform (thread_id: a Telegram forum topic; a Discord thread is a
    channel of its own, so its id is the chat_id)."""

    platform: str
    workspace: str
    chat_id: str
    thread_id: str = ""
    # A direct-message thread's side (issue #16): chat_id is the person's id on the
    # platform, and the copy goes to their DM with the bot.
    dm: bool = False

    @classmethod
    def of_key(cls, platform: str, workspace: str, chat_id: str) -> ChatRef:
        """The chat a conversation key's chat_id names ("<chat>/<thread>" for a topic)."""
        chat, _, thread = chat_id.partition(THREAD_SEP)
        return cls(platform, workspace, chat, thread)

    def key_chat_id(self) -> str:
        return f"{self.chat_id}{THREAD_SEP}{self.thread_id}" if self.thread_id else self.chat_id


@dataclass(frozen=True)
class RelayFileOut:
    name: str
    mime: str
    data: bytes
    url: str  # the web copy, for a platform that can't take the file itself


@dataclass(frozen=True)
class RelayOut:
    """One copy of a community message as a platform posts it: `reply` is already attributed
    ("*Asha* · Telegram") and escaped; `reply_to` is the platform message id of the copy of
    the message it answers in that chat, when there is one."""

    reply: Reply
    reply_to: str | None = None
    file: RelayFileOut | None = None


class RelayRetry(Exception):
    """The platform said "not now" (429, 5xx, unreachable): try this chat again later."""

    def __init__(self, after_s: float, why: str = "") -> None:
        super().__init__(why or f"retry after {after_s:.0f}s")
        self.after_s = after_s


class RelayGone(Exception):
    """The chat is gone for the bot (removed, no permission, deleted): stop relaying there."""


class MessageGone(Exception):
    """The copy to edit or delete is not there any more: nothing left to do for it."""


class Bridge(Protocol):
    """Posts community messages on one platform."""

    platform: str

    async def post(self, chat: ChatRef, out: RelayOut) -> str:
        """Posts the copy; returns its platform message id."""
        ...

    async def edit(self, chat: ChatRef, message_id: str, out: RelayOut) -> None: ...

    async def delete(self, chat: ChatRef, message_id: str) -> None: ...


# ---- email (issue 18) ----


@dataclass(frozen=True)
class Mail:
    """One email: a plain-text body and the same in HTML (already escaped)."""

    to: str
    subject: str
    text: str
    html: str


class MailError(Exception):
    """The mail server refused the message or could not be reached."""


class Mailer(Protocol):
    """Sends email (mentorbot/mail.py: SMTP with aiosmtplib, or the server log in a demo)."""

    # True when nothing is really sent: the message goes to the server log (no SMTP settings).
    demo: bool

    async def send(self, mail: Mail) -> None:
        """Sends it or raises MailError."""
        ...
