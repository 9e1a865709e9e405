"""Runs one inbound event through the dialogs: one at a time per conversation, atomically."""

from __future__ import annotations

import asyncio
import functools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Select, Table, Update, bindparam, select, update
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db import changes
from core.db.schema import Conversation
from core.dialogs.engine import KEEP, Ctx, Dialog, Registry, Step, describe_inbound
from core.events import profiles_touched
from core.messaging import (
    JSON,
    ActionIn,
    Actor,
    CommandIn,
    ConversationKey,
    FileIn,
    Inbound,
    Reply,
    TextIn,
)

if TYPE_CHECKING:
    from core.app import CoreApp

log = logging.getLogger(__name__)

COMMAND_ALIASES = {
    "start": "start",
    "menu": "menu",
    "h": "help",
    "stop": "cancel",
    "quit": "cancel",
}
SORRY = (
    "Sorry, something went wrong on our side and nothing was changed. "
    "Your progress is kept — please try that again."
)


class StaleConversation(Exception):
    """Another worker moved this conversation on while we were working."""


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


async def _load_conversation(s: AsyncSession, key: ConversationKey, app: CoreApp) -> _ConvRow:
    where = {
        "platform": key.platform,
        "workspace": key.workspace,
        "chat_id": key.chat_id,
        "external_id": key.external_id,
    }
    row = (await s.execute(_conversation_query(), where)).first()
    if row is None:
        conv = Conversation(
            **where, dialog=None, state=None, data={}, version=0, updated_at=app.clock.now()
        )
        s.add(conv)
        await s.flush()
        return _ConvRow(conv.id, None, None, {}, 0)
    return _ConvRow(*row)


# Deadlock, serialization failure (PostgreSQL) and a busy database file (SQLite): try again.
_TRANSIENT_SQLSTATES = frozenset({"40001", "40P01"})


def is_transient(exc: DBAPIError) -> bool:
    state = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
    return state in _TRANSIENT_SQLSTATES or "database is locked" in str(exc.orig)


class Runner:
    def __init__(self, app: CoreApp, registry: Registry) -> None:
        self.app = app
        self.registry = registry
        self.locks = KeyedLocks()

    async def handle(
        self, actor: Actor, inbound: Inbound, key: ConversationKey | None = None
    ) -> list[Reply]:
        key = key or ConversationKey.private(actor)
        async with self.locks.hold(key):
            for attempt in range(3):
                try:
                    replies, outbox_ids = await self._once(actor, key, inbound)
                except (StaleConversation, IntegrityError) as exc:
                    log.info("retrying %s after %s (attempt %d)", key, type(exc).__name__, attempt)
                    continue
                except DBAPIError as exc:
                    if not is_transient(exc):
                        log.exception("step failed for %s on %s", key, describe_inbound(inbound))
                        return [Reply(SORRY)]
                    log.info("retrying %s after %s (attempt %d)", key, exc.orig, attempt)
                    await asyncio.sleep(0.05 * (attempt + 1))
                    continue
                except Exception:
                    log.exception("step failed for %s on %s", key, describe_inbound(inbound))
                    return [Reply(SORRY)]
                if outbox_ids:
                    await self.app.delivery.flush(outbox_ids)
                return replies
            return [Reply(SORRY)]

    async def _once(
        self, actor: Actor, key: ConversationKey, inbound: Inbound
    ) -> tuple[list[Reply], list[int]]:
        app = self.app
        async with app.db.transaction() as s:
            now = app.clock.now()
            conv = await _load_conversation(s, key, app)
            version = conv.version
            ctx = Ctx(app=app, session=s, actor=actor, key=key, user=None, account=None, now=now)  # type: ignore[arg-type]
            ctx.user, ctx.account = await ctx.identity.resolve(actor)
            await app.catalog.refresh(s)
            dialog = self.registry.dialogs.get(conv.dialog or "")
            state = conv.state if dialog is not None else None
            ctx.data = dict(conv.data or {}) if dialog is not None else {}
            ctx.state = state
            step = await self._dispatch(ctx, dialog, state, inbound)
            replies = list(step.replies)
            new_dialog: str | None = dialog.name if dialog is not None else None
            new_state: str | None = state
            if step.state != KEEP:
                new_state = step.state
                if new_state is None:
                    new_dialog = None
            hops = 0
            while step.start is not None and hops < 3:
                hops += 1
                target = self.registry.dialogs[step.start[0]]
                ctx.data = {}
                ctx.state = None
                step = await target.start(ctx, step.start[1])
                replies.extend(step.replies)
                new_dialog, new_state = (
                    (target.name, step.state) if step.state not in (None, KEEP) else (None, None)
                )
            data: dict[str, JSON] = ctx.data if new_dialog is not None else {}
            res = await s.execute(
                _conversation_update(),
                {
                    "conv_id": conv.id,
                    "old_version": version,
                    "dialog": new_dialog,
                    "state": new_state,
                    "data": data,
                    "new_version": version + 1,
                    "updated_at": now,
                },
            )
            if res.rowcount != 1:  # type: ignore[attr-defined]
                raise StaleConversation(str(key))
            events = list(ctx.events)
            outbox_ids = await app.handle_events(s, ctx.events, now)
            await changes.record(s, profiles_touched(ctx.user.id, events), now)
        app.written(ctx.user.id, events)
        return replies, outbox_ids

    async def _dispatch(
        self, ctx: Ctx, dialog: Dialog | None, state: str | None, inbound: Inbound
    ) -> Step:
        reg = self.registry
        if isinstance(inbound, CommandIn):
            name = COMMAND_ALIASES.get(inbound.name, inbound.name)
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
            if name == "start" and not inbound.args and dialog is not None and state is not None:
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
                replies = [await self.app.help_reply(ctx)]
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
            reply = Reply("I can't use files here yet — please type your answer instead.")
            if dialog is not None and state is not None:
                return Step((reply, await dialog.prompt(ctx, state)), KEEP)
            return Step((reply,), None)
        assert isinstance(inbound, TextIn)
        if dialog is not None and state is not None:
            return await dialog.handle(ctx, state, inbound)
        if not inbound.text:
            return Step((), None, start=("menu", ""))
        if not ctx.user.onboarded:
            return Step((), None, start=("onboarding", ""))
        return Step((), None, start=("find", inbound.text))
