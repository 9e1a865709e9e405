"""Dialog engine (DESIGN §3): named states, async steps, state persisted per ConversationKey."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from core.booking.service import Bookings
from core.db.schema import Account, User
from core.events import Event
from core.messaging import (
    JSON,
    ActionIn,
    Actor,
    CommandIn,
    ConversationKey,
    Delivered,
    FileIn,
    Inbound,
    Reply,
    TextIn,
)
from core.services.identity import Identity
from core.services.mentors import Mentors
from core.services.money import Money
from core.services.payments import Payments
from core.services.profiles import Profiles
from core.services.search import Directory
from core.services.trust import Trust
from core.uow import Deps, UnitOfWork

KEEP = "__keep__"


class StaleConversation(Exception):
    """Another worker moved this conversation on while we were working."""


class AlreadyHandled(Exception):
    """This delivery of a platform event was acted on before (a retry): nothing was done."""


@dataclass(frozen=True)
class Step:
    """What a step decided: replies, the next state (None ends the dialog), maybe a handoff."""

    replies: tuple[Reply, ...]
    state: str | None
    start: tuple[str, str] | None = None


def goto(state: str, *replies: Reply) -> Step:
    return Step(tuple(replies), state)


def end(*replies: Reply) -> Step:
    return Step(tuple(replies), None)


def keep(*replies: Reply) -> Step:
    """Answer without touching whatever dialog is running (global buttons)."""
    return Step(tuple(replies), KEEP)


def handoff(dialog: str, args: str = "", *replies: Reply) -> Step:
    return Step(tuple(replies), None, start=(dialog, args))


@dataclass
class Ctx:
    """One step's view: the unit of work it runs in, who spoke, and the dialog's saved data."""

    u: UnitOfWork
    actor: Actor
    key: ConversationKey
    user: User
    account: Account
    data: dict[str, JSON] = field(default_factory=dict)
    state: str | None = None
    # The dialog the conversation is saved in after this step (None: no dialog running).
    dialog: str | None = None

    @property
    def deps(self) -> Deps:
        return self.u.deps

    @property
    def session(self) -> AsyncSession:
        return self.u.session

    @property
    def now(self) -> datetime:
        return self.u.now

    @property
    def events(self) -> list[Event]:
        return self.u.events

    @property
    def profiles(self) -> Profiles:
        return self.u.profiles

    @property
    def mentors(self) -> Mentors:
        return self.u.mentors

    @property
    def identity(self) -> Identity:
        return self.u.identity

    @property
    def money(self) -> Money:
        return self.u.money

    @property
    def trust(self) -> Trust:
        return self.u.trust

    @property
    def payments(self) -> Payments:
        return self.u.payments

    @property
    def directory(self) -> Directory:
        return self.u.directory

    @property
    def bookings(self) -> Bookings:
        return self.u.bookings

    def text_of(self, inbound: Inbound) -> str | None:
        return inbound.text.strip() if isinstance(inbound, TextIn) else None

    def action_of(self, inbound: Inbound) -> str | None:
        return inbound.payload if isinstance(inbound, ActionIn) else None

    def str_data(self, key: str, default: str = "") -> str:
        v = self.data.get(key)
        return v if isinstance(v, str) else default

    def int_data(self, key: str, default: int = 0) -> int:
        v = self.data.get(key)
        return v if isinstance(v, int) and not isinstance(v, bool) else default


StepFn = Callable[[Ctx, Inbound], Awaitable[Step]]


class Dialog(ABC):
    """A dialog: `start` opens it; `on_<state>` methods handle input in each state."""

    name: ClassVar[str]
    title: ClassVar[str]
    prefixes: ClassVar[tuple[str, ...]] = ()
    # States whose answer may itself be one of the words that always work ("Help" as a name):
    # there a word is asked about once instead of obeyed.
    word_answers: ClassVar[frozenset[str]] = frozenset()
    # States that read a typed "find …" themselves (a first question that takes any message).
    reads_find: ClassVar[frozenset[str]] = frozenset()
    # States that take a file (a profile photo); elsewhere a file is answered for the dialog.
    file_states: ClassVar[frozenset[str]] = frozenset()

    @abstractmethod
    async def start(self, ctx: Ctx, args: str) -> Step: ...

    @abstractmethod
    async def prompt(self, ctx: Ctx, state: str) -> Reply:
        """The question of `state`, asked again after /help or input that didn't fit."""

    async def handle(self, ctx: Ctx, state: str, inbound: Inbound) -> Step:
        fn = getattr(self, f"on_{state}", None)
        if fn is None:
            return end(
                Reply(
                    "That conversation can't continue (it changed since). Let's start over: /menu"
                )
            )
        step: Step = await fn(ctx, inbound)
        return step

    async def retry(self, ctx: Ctx, state: str, hint: str) -> Step:
        """Bad input: say what was wrong, ask the same question, keep everything."""
        return goto(state, Reply(hint), await self.prompt(ctx, state))

    async def back(self, ctx: Ctx, state: str) -> Step:
        """ "back": the previous question, where a dialog has one."""
        return goto(
            state,
            Reply("There's no earlier question here — answer below, or say cancel."),
            await self.prompt(ctx, state),
        )

    def at_start(self, ctx: Ctx, state: str) -> bool:
        """Nothing answered yet: /start simply starts again, with no "welcome back"."""
        return False

    def restart_args(self, ctx: Ctx) -> str:
        """How "start over" starts this dialog again."""
        return ""


ActionHandler = Callable[[Ctx, str], Awaitable[Step]]
T = TypeVar("T")


class Conversations(Protocol):
    """Work in a person's conversation (core.runner.Runner): their lock, one unit of work."""

    async def converse(
        self,
        actor: Actor,
        key: ConversationKey,
        work: Callable[[Ctx], Awaitable[T]],
        *,
        save: bool = True,
        once: Delivered | None = None,
    ) -> T: ...

    async def handle(
        self,
        actor: Actor,
        inbound: Inbound,
        key: ConversationKey | None = None,
        *,
        once: Delivered | None = None,
    ) -> list[Reply]: ...


@dataclass(frozen=True)
class Registry:
    dialogs: Mapping[str, Dialog]
    commands: Mapping[str, tuple[str, str]]  # /name -> (dialog, fixed args or "")
    actions: Mapping[str, ActionHandler]


def describe_inbound(inbound: Inbound) -> str:
    if isinstance(inbound, TextIn):
        return inbound.text
    if isinstance(inbound, CommandIn):
        return f"/{inbound.name} {inbound.args}".strip()
    if isinstance(inbound, ActionIn):
        return f"[{inbound.payload}]"
    if isinstance(inbound, FileIn):
        return f"[file {inbound.name}]"
    return "?"
