"""Runs one inbound event through the dialogs: one at a time per conversation, atomically."""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar, cast

from sqlalchemy import Select, Table, Update, bindparam, func, select, true, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.commands import command_aliases
from core.db.inbound import ProcessedEvent, first_seen, record_insert
from core.db.schema import Conversation
from core.dialogs.admin_people import suspended_reply
from core.dialogs.answers import ANSWERS
from core.dialogs.engine import (
    KEEP,
    AlreadyHandled,
    Ctx,
    Dialog,
    Registry,
    StaleConversation,
    Step,
    describe_inbound,
)
from core.dialogs.guess import search_or_guess, unsure
from core.dialogs.menu import help_reply
from core.dialogs.onboarding import offer_to_teach
from core.markup import esc
from core.messaging import (
    JSON,
    MAX_TEXT,
    ActionIn,
    Actor,
    Button,
    CommandIn,
    ConversationKey,
    Delivered,
    FileIn,
    Inbound,
    Reply,
    TextIn,
    normalised,
    too_long,
)
from core.payloads import Payload
from core.skills import SkillMatch
from core.understand.intents import Control, control_word, find_words, read_intent
from core.uow import Deps, unit_of_work

log = logging.getLogger(__name__)
T = TypeVar("T")

COMMAND_ALIASES = command_aliases()
TOO_LONG = (
    f"That message is too long for me (over {MAX_TEXT:,} characters). "
    "Please send a shorter one — nothing was changed."
)
SORRY = (
    "Sorry, something went wrong on our side and nothing was changed. "
    "Your progress is kept — please try that again."
)


class KeyedLocks:
    """asyncio locks per conversation key that go away when nobody holds or waits."""

    def __init__(self) -> None:
        self._locks: dict[ConversationKey, tuple[asyncio.Lock, int]] = {}

    @asynccontextmanager
    async def hold(self, key: ConversationKey) -> AsyncIterator[None]:
        lock, users = self._locks.get(key, (asyncio.Lock(), 0))
        self._locks[key] = (lock, users + 1)
        try:
            async with lock:
                yield
        finally:
            lock, users = self._locks[key]
            if users <= 1:
                del self._locks[key]
            else:
                self._locks[key] = (lock, users - 1)

    def __len__(self) -> int:
        return len(self._locks)


@dataclass(frozen=True)
class _ConvRow:
    id: int
    dialog: str | None
    state: str | None
    data: dict[str, JSON] | None
    version: int


def _conversations() -> Table:
    return cast(Table, Conversation.__table__)


# Every message runs these statements: built once, as Core (statement construction and ORM
# loading were a third of a step's CPU; nothing else uses these rows), values bound per call.
@functools.cache
def _conversation_query() -> Select[int, str | None, str | None, Any, int]:
    t = _conversations()
    return (
        select(t.c.id, t.c.dialog, t.c.state, t.c.data, t.c.version)
        .where(
            t.c.platform == bindparam("platform"),
            t.c.workspace == bindparam("workspace"),
            t.c.chat_id == bindparam("chat_id"),
            t.c.external_id == bindparam("external_id"),
        )
        # Workers in other processes queue on the row (PostgreSQL) instead of failing the
        # version check over and over; SQLite already serialises writers with BEGIN IMMEDIATE.
        .with_for_update()
    )


@functools.cache
def _conversation_update() -> Update:
    t = _conversations()
    return (
        update(t)
        .where(t.c.id == bindparam("conv_id"), t.c.version == bindparam("old_version"))
        .values(
            dialog=bindparam("dialog"),
            state=bindparam("state"),
            data=bindparam("data"),
            version=bindparam("new_version"),
            updated_at=bindparam("updated_at"),
        )
    )


@functools.cache
def _seen_and_conversation() -> Select[int, int | None, str | None, str | None, Any, int | None]:
    """PostgreSQL: a delivery recorded and its conversation locked in one round trip.

    `fresh` is 1 when the delivery is new (0: seen before); the conversation's columns are
    NULL when it has no row yet. The insert runs first (it is the outer side of the join),
    as first_seen() then _load_conversation() would. Only these two share a statement:
    after waiting for the lock, PostgreSQL re-reads the locked row but not the rest of the
    statement's snapshot, so the person is read in a statement of its own (identity)."""
    events = cast(Table, ProcessedEvent.__table__)
    seen = record_insert("postgresql").returning(events.c.id).cte("seen")
    counted = select(func.count().label("fresh")).select_from(seen).subquery("counted")
    conv = _conversation_query().lateral("conv")
    return select(counted.c.fresh, *conv.c).select_from(counted.outerjoin(conv, true()))


def _conversation_where(key: ConversationKey) -> dict[str, str]:
    return {
        "platform": key.platform,
        "workspace": key.workspace,
        "chat_id": key.chat_id,
        "external_id": key.external_id,
    }


async def _seen_and_load(
    s: AsyncSession, once: Delivered, key: ConversationKey, now: datetime
) -> _ConvRow:
    """first_seen() and _load_conversation() in one statement (PostgreSQL)."""
    where = _conversation_where(key)
    row = (
        await s.execute(
            _seen_and_conversation(),
            {**where, "source": once.source, "event_id": once.event_id[:128], "now": now},
        )
    ).one()
    if not row[0]:
        raise AlreadyHandled(f"{once.source} {once.event_id}")
    if row[1] is None:
        return await _new_conversation(s, where, now)
    return _ConvRow(*row[1:])


async def _new_conversation(s: AsyncSession, where: dict[str, str], now: datetime) -> _ConvRow:
    conv = Conversation(**where, dialog=None, state=None, data={}, version=0, updated_at=now)
    s.add(conv)
    await s.flush()
    return _ConvRow(conv.id, None, None, {}, 0)


async def _load_conversation(s: AsyncSession, key: ConversationKey, now: datetime) -> _ConvRow:
    where = _conversation_where(key)
    row = (await s.execute(_conversation_query(), where)).first()
    if row is None:
        return await _new_conversation(s, where, now)
    return _ConvRow(*row)


# Deadlock, serialization failure (PostgreSQL), a busy database file (SQLite) and a lost
# server connection (SQLAlchemy has discarded it; there is no pre-ping, see core.db.engine):
# the transaction was rolled back as a whole, so try it again.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})


def is_transient(exc: DBAPIError) -> bool:
    if exc.connection_invalidated:
        return True
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return state in _TRANSIENT_SQLSTATES or "database is locked" in str(exc.orig)


class Runner:
    """Runs work in a person's conversation: one at a time per key, in one unit of work, with
    the conversation row's version checked so two workers never both move it on."""

    def __init__(self, deps: Deps, registry: Registry) -> None:
        self.deps = deps
        self.registry = registry
        self.locks = KeyedLocks()
        self._sqlite = deps.db.is_sqlite

    async def handle(
        self,
        actor: Actor,
        inbound: Inbound,
        key: ConversationKey | None = None,
        *,
        once: Delivered | None = None,
    ) -> list[Reply]:
        """One inbound through the dialogs. `once`: the platform's delivery id; a repeated
        delivery (a platform's retry) answers nothing and changes nothing."""
        key = key or ConversationKey.private(actor)
        if too_long(inbound):
            return [Reply(TOO_LONG)]
        inbound = normalised(inbound)
        try:
            return await self.converse(actor, key, lambda ctx: self._step(ctx, inbound), once=once)
        except AlreadyHandled:
            log.info("%s %s already handled; skipped", once and once.source, once and once.event_id)
            return []
        except Exception:
            log.exception("step failed for %s on %s", key, describe_inbound(inbound))
            return [Reply(SORRY)]

    async def converse(
        self,
        actor: Actor,
        key: ConversationKey,
        work: Callable[[Ctx], Awaitable[T]],
        *,
        save: bool = True,
        once: Delivered | None = None,
    ) -> T:
        """Run `work` with the person's context; retried (from scratch) when another worker
        moved the conversation on or the database asks for a retry. `save=False`: work that
        only reads leaves the conversation row as it was. `once`: the delivery is recorded in
        the same transaction; AlreadyHandled if it was recorded before."""
        async with self.locks.hold(key):
            for attempt in range(3):
                try:
                    return await self._once(actor, key, work, save, once)
                except (StaleConversation, IntegrityError) as exc:
                    log.info("retrying %s after %s (attempt %d)", key, type(exc).__name__, attempt)
                except DBAPIError as exc:
                    if not is_transient(exc):
                        raise
                    log.info("retrying %s after %s (attempt %d)", key, exc.orig, attempt)
                    await asyncio.sleep(0.05 * (attempt + 1))
            raise StaleConversation(f"{key}: gave up after 3 attempts")

    async def _once(
        self,
        actor: Actor,
        key: ConversationKey,
        work: Callable[[Ctx], Awaitable[T]],
        save: bool,
        once: Delivered | None,
    ) -> T:
        async with unit_of_work(self.deps) as u:
            s = u.session
            if once is not None and not self._sqlite:
                conv = await _seen_and_load(s, once, key, u.now)
            else:
                if once is not None and not await first_seen(s, once.source, once.event_id, u.now):
                    raise AlreadyHandled(f"{once.source} {once.event_id}")
                conv = await _load_conversation(s, key, u.now)
            user, account = await u.identity.resolve(actor)
            await self.deps.catalog.refresh(s)
            dialog = self.registry.dialogs.get(conv.dialog or "")
            ctx = Ctx(u, actor, key, user, account)
            if dialog is not None:
                ctx.dialog, ctx.state, ctx.data = dialog.name, conv.state, dict(conv.data or {})
            result = await work(ctx)
            if save:
                res = await s.execute(
                    _conversation_update(),
                    {
                        "conv_id": conv.id,
                        "old_version": conv.version,
                        "dialog": ctx.dialog,
                        "state": ctx.state if ctx.dialog is not None else None,
                        "data": ctx.data if ctx.dialog is not None else {},
                        "new_version": conv.version + 1,
                        "updated_at": u.now,
                    },
                )
                if res.rowcount != 1:  # type: ignore[attr-defined]
                    raise StaleConversation(str(key))
                if user.wants_to_mentor:
                    # Any step may have edited a (would-be) mentor's profile: search re-reads
                    # it. Learners aren't searchable, so their steps write no log row.
                    u.profiles_changed([user.id])
        return result

    async def _step(self, ctx: Ctx, inbound: Inbound) -> list[Reply]:
        """One inbound through the dialogs, timed for the observer by the dialog it ran in (or
        the one it started)."""
        observer = self.deps.observer
        if observer is None:
            return await self._run_step(ctx, inbound)
        entered, started = ctx.dialog, time.perf_counter()
        try:
            return await self._run_step(ctx, inbound)
        finally:
            observer.step(
                entered or ctx.dialog or "none",
                time.perf_counter() - started,
                ctx.account.platform,
            )

    async def _run_step(self, ctx: Ctx, inbound: Inbound) -> list[Reply]:
        """One inbound through the dialogs; leaves ctx.dialog/state/data as they are to be saved."""
        # Read with the person in identity.resolve: no statement of its own.
        if (
            not ctx.user.is_admin
            and (why := await ctx.u.identity.suspension(ctx.user.id)) is not None
        ):
            ctx.dialog, ctx.state = None, None  # a suspended account is told why, nothing else
            return [suspended_reply(why)]
        dialog = self.registry.dialogs.get(ctx.dialog or "")
        state = ctx.state if dialog is not None else None
        step = await self._dispatch(ctx, dialog, state, inbound)
        replies = list(step.replies)
        if step.state != KEEP:
            ctx.state = step.state
            if step.state is None:
                ctx.dialog = None
        hops = 0
        while step.start is not None and hops < 3:
            hops += 1
            target = self.registry.dialogs[step.start[0]]
            ctx.data = {}
            ctx.state = None
            step = await target.start(ctx, step.start[1])
            replies.extend(step.replies)
            if step.state not in (None, KEEP):
                ctx.dialog, ctx.state = target.name, step.state
            else:
                ctx.dialog, ctx.state = None, None
        return replies

    async def _dispatch(
        self, ctx: Ctx, dialog: Dialog | None, state: str | None, inbound: Inbound
    ) -> Step:
        reg = self.registry
        if isinstance(inbound, CommandIn):
            name = COMMAND_ALIASES.get(inbound.name, inbound.name)
            if name == "mentor" and inbound.args.split()[:1] == ["stats"]:
                # "/mentor stats" as Discord and Slack have it, on every platform.
                name, inbound = "stats", CommandIn("stats", inbound.args.partition(" ")[2])
            if name == "cancel":
                if dialog is None:
                    return Step((Reply("There's nothing to cancel. What next? /menu"),), None)
                return Step(
                    (
                        Reply(
                            f"Cancelled {dialog.title}. Anything you had already saved stays saved."
                        ),
                    ),
                    None,
                    start=("menu", "quiet"),
                )
            if (
                name == "start"
                and not inbound.args
                and dialog is not None
                and state is not None
                and not dialog.at_start(ctx, state)
            ):
                # A bare /start mid-dialog (the console sends one on every launch, Telegram
                # users tap it in the menu) picks up where the person left off.
                return Step(
                    (
                        Reply(
                            f"Welcome back — you were in the middle of {dialog.title}. "
                            "Carry on below, or /cancel to start over."
                        ),
                        await dialog.prompt(ctx, state),
                    ),
                    KEEP,
                )
            if name == "help":
                replies = [help_reply(ctx)]
                if dialog is not None and state is not None:
                    replies.append(
                        Reply(
                            f"You're in the middle of {dialog.title} — reply to carry on, or /cancel."
                        )
                    )
                    replies.append(await dialog.prompt(ctx, state))
                return Step(tuple(replies), KEEP)
            target = reg.commands.get(name)
            if target is None:
                return Step(
                    (Reply(f"I don't know the command /{name}. Try /help for the list."),), KEEP
                )
            dialog_name, preset = target
            return Step((), None, start=(dialog_name, preset or inbound.args))
        if isinstance(inbound, ActionIn):
            prefix = inbound.payload.split(":", 1)[0]
            which = Gw.parse(inbound.payload)
            if which is not None and dialog is not None and state is not None:
                typed = ctx.data.pop(TYPED, None)
                if which.choice == "answer" and isinstance(typed, str):
                    return await dialog.handle(ctx, state, TextIn(typed))
                if which.word == "find":
                    query = find_words(typed) if isinstance(typed, str) else None
                    left = Reply(f"Left {dialog.title} — anything you saved stays saved.")
                    return Step((left,), None, start=("find", query or ""))
                if which.word in WORD_LABELS:
                    return await self._control(ctx, dialog, state, cast(Control, which.word))
            if dialog is not None and state is not None and prefix in dialog.prefixes:
                return await dialog.handle(ctx, state, inbound)
            handler = reg.actions.get(prefix)
            if handler is not None:
                saved, ctx.data = ctx.data, {}
                step = await handler(ctx, inbound.payload)
                if step.state == KEEP and step.start is None:
                    ctx.data = saved
                return step
            stale = Reply("That button belongs to an earlier conversation, so I've ignored it.")
            if dialog is not None and state is not None:
                return Step((stale, await dialog.prompt(ctx, state)), KEEP)
            return Step((stale,), None, start=("menu", "quiet"))
        if isinstance(inbound, FileIn):
            if dialog is not None and state in dialog.file_states:
                return await dialog.handle(ctx, state, inbound)
            reply = Reply("I can't use files here yet — please type your answer instead.")
            if dialog is not None and state is not None:
                return Step((reply, await dialog.prompt(ctx, state)), KEEP)
            return Step((reply,), None)
        assert isinstance(inbound, TextIn)
        word = control_word(inbound.text)
        if dialog is not None and state is not None:
            if (
                word is None
                and dialog.name not in ("find", "guess")
                and state not in dialog.reads_find
                and find_words(inbound.text) is not None
            ):
                # "find python" in the middle of a question: a search, or maybe the answer.
                ctx.data[TYPED] = inbound.text
                return Step((_search_or_answer(inbound.text),), KEEP)
            if word is None:
                return await dialog.handle(ctx, state, inbound)
            if state in dialog.word_answers and len(inbound.text.split()) == 1:
                # "Help" may be somebody's name: ask once instead of guessing.
                ctx.data[TYPED] = inbound.text
                return Step((_which_one(word, inbound.text),), KEEP)
            return await self._control(ctx, dialog, state, word)
        if word is not None:
            return await self._control(ctx, None, None, word)
        if not inbound.text:
            return Step((), None, start=("menu", ""))
        return await self._free_text(ctx, inbound.text)

    async def _control(
        self, ctx: Ctx, dialog: Dialog | None, state: str | None, word: Control
    ) -> Step:
        """The words that work at every step, typed in plain words."""
        if word in ("help", "cancel"):
            return await self._dispatch(ctx, dialog, state, CommandIn(word))
        if word == "menu":
            left = (
                (Reply(f"Left {dialog.title} — anything you saved stays saved."),)
                if dialog is not None and state is not None
                else ()
            )
            return Step(left, None, start=("menu", ""))
        if dialog is None or state is None:
            if word == "back":
                return Step((Reply("There's nothing to go back to."),), None, start=("menu", ""))
            return Step((), None, start=("start", ""))
        if word == "restart":
            return Step(
                (Reply(f"Starting {dialog.title} again."),),
                None,
                start=(dialog.name, dialog.restart_args(ctx)),
            )
        return await dialog.back(ctx, state)

    async def _free_text(self, ctx: Ctx, text: str) -> Step:
        """Text outside any dialog (a first message, or after one ended): read for intent."""
        reading = read_intent(text, ctx.deps.catalog.index.names_in)
        onboarded = ctx.user.onboarded
        if reading.intent == "greet":
            return Step((), None, start=("menu", "") if onboarded else ("onboarding", ""))
        if reading.intent == "thanks":
            return Step((Reply("You're welcome! 😊"),), None, start=("menu", "quiet"))
        if reading.intent == "find":
            return Step((), None, start=search_or_guess(ctx, reading, text))
        asked = unsure(reading, text)
        if asked is not None:  # what was understood, confirmed with one tap before acting
            return Step((), None, start=asked)
        if reading.intent == "teach":
            return offer_to_teach(ctx, reading)
        answer = ANSWERS.get(reading.intent)
        if answer is not None:
            after = ("menu", "quiet") if onboarded else ("onboarding", "quiet")
            return Step((Reply(answer(ctx.deps.policies)),), None, start=after)
        if not onboarded and not looks_like_skill(ctx, text):
            return Step((), None, start=("onboarding", ""))
        return Step((), None, start=("find", text))


def looks_like_skill(ctx: Ctx, text: str) -> bool:
    """A bare skill name ("python", "sql joins") is a search, for newcomers too."""
    return ctx.deps.catalog.index.exact(text.strip()) is not None or bool(
        ctx.deps.recommender is not None and len(text.split()) <= 4 and _resolves(ctx, text)
    )


def _resolves(ctx: Ctx, text: str) -> bool:
    return isinstance(ctx.deps.catalog.index.resolve(text.strip()), SkillMatch)


@dataclass(frozen=True)
class Gw(Payload, prefix="gw"):
    """The answer to "did you mean the word, or is it your answer?"."""

    word: str
    choice: str  # do | answer


TYPED = "_typed"  # the text a "did you mean" question is about, kept in the dialog's data


def _search_or_answer(text: str) -> Reply:
    query = find_words(text) or ""
    shown = text.strip()[:40]
    return Reply(
        f"Shall I search for {'“' + esc(query) + '”' if query else 'a mentor'} now, or is "
        f"“{esc(shown)}” your answer?",
        buttons=(
            (
                Button("Search now", Gw("find", "do").pack()),
                Button("It's my answer", Gw("find", "answer").pack()),
            ),
        ),
    )


WORD_LABELS = {
    "help": "Show help",
    "cancel": "Cancel",
    "menu": "Main menu",
    "back": "Go back",
    "restart": "Start over",
}


def _which_one(word: Control, text: str) -> Reply:
    shown = text.strip()[:24]
    return Reply(
        f"Did you mean “{word}”, or is “{esc(shown)}” your answer?",
        buttons=(
            (
                Button(WORD_LABELS[word], Gw(word, "do").pack()),
                Button(f"“{shown}” is my answer", Gw(word, "answer").pack()),
            ),
        ),
    )
