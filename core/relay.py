"""The community bridge's sender (DESIGN §11): posts, edits and deletes the queued copies on
each platform, one chat at a time in order, within each platform's rate limit. A copy that
can't go now waits in the database: a burst is late, a platform that is down gets its copies
when it is back, and a restart picks up where the queue was.

A copy is recorded in the same transaction that marks its job done, right after the platform
took it; only a crash between the platform's answer and that commit can post it twice."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.posts import announcement_buttons
from core.db.relay import CommunityChannel, RelayCopy, RelayFile, RelayJob, RelayMessage
from core.db.schema import Account, User
from core.markup import esc, member_mention, mentions_in, replace_mentions
from core.messaging import Reply
from core.ports import (
    Bridge,
    ChatRef,
    Clock,
    MessageGone,
    RelayFileOut,
    RelayGone,
    RelayOut,
    RelayRetry,
)
from core.ratelimit import Bucket

log = logging.getLogger(__name__)

# Sends per chat: (per second, burst). Telegram allows a group about 20 messages a minute;
# Discord 5 per 5 s per channel; Slack about 1 per second per channel.
RATES: dict[str, tuple[float, int]] = {
    "telegram": (20 / 60, 3),
    "discord": (1.0, 5),
    "slack": (1.0, 3),
}
DEFAULT_RATE = (1.0, 3)
BACKOFF_MAX_S = 300.0  # a platform that is down is asked again at least every 5 minutes
BATCH = 500
PLATFORM_NAMES = {
    "telegram": "Telegram",
    "discord": "Discord",
    "slack": "Slack",
    "web": "Web",
    "console": "Console",
}


def file_url(public_url: str, f: RelayFile) -> str:
    """The web copy of a shared file (also the link where a platform can't take it)."""
    return f"{public_url.rstrip('/')}/files/{f.id}/{f.token}"


# Platforms whose bridge turns a mention of one of its accounts into its own mention.
MENTIONING = ("telegram", "slack", "discord")


def attributed(msg: RelayMessage, text: str | None = None) -> str:
    """How a copy reads on another platform: who said it, where, then the text."""
    where = PLATFORM_NAMES.get(msg.origin_platform, msg.origin_platform)
    head = f"*{esc(msg.author_name)}* · {where}"
    if msg.dm_thread_id is not None:
        head = f"✉️ *{esc(msg.author_name)}*"  # a direct message: who wrote it is enough
    body = msg.text if text is None else text
    return f"{head}\n{body}" if body else head


async def mentions_for(s: AsyncSession, text: str, platform: str, workspace: str) -> str:
    """Stored markup for one chat: a member with an account on that platform (and
    workspace) stays a mention, carrying the platform's id and their name, for the bridge
    to make a real one; anyone else is their MentorBot name."""
    ids = {int(w) for w, _ in mentions_in(text) if w.isdigit() and len(w) < 12}
    if not ids:
        return text
    rows = (await s.execute(select(User.id, User.display_name).where(User.id.in_(ids)))).all()
    names = {uid: name for uid, name in rows}
    accounts: dict[int, str] = {}
    if platform in MENTIONING:
        for uid, ext in (
            await s.execute(
                select(Account.user_id, Account.external_id)
                .where(
                    Account.user_id.in_(ids),
                    Account.platform == platform,
                    Account.workspace == workspace,
                )
                .order_by(Account.id)
            )
        ).all():
            accounts.setdefault(uid, ext)

    def one(who: str, _: str) -> str:
        uid = int(who) if who.isdigit() else 0
        name = names.get(uid, "someone")
        if uid in accounts:
            return member_mention(accounts[uid], name)
        return esc("@" + name)

    return replace_mentions(text, one)


Listener = Callable[[int, int], Awaitable[None]]  # (community_id, message_id)
# (thread_id, message_id): a direct message written, or 0 for a "seen" mark.
DmListener = Callable[[int, int], Awaitable[None]]


class RelayQueue:
    def __init__(self, db: Database, clock: Clock, public_url: str) -> None:
        self.db = db
        self.clock = clock
        self.public_url = public_url
        self._bridges: dict[str, Bridge] = {}
        # Per platform: (sends per second, burst) for each chat; a benchmark may lift them.
        self.rates: dict[str, tuple[float, int]] = dict(RATES)
        self._buckets: dict[int, Bucket] = {}
        self._listeners: list[Listener] = []
        self._dm_listeners: list[DmListener] = []
        self._wake = asyncio.Event()
        self._lock = asyncio.Lock()
        # When a throttled or waiting chat may send again (clock seconds).
        self._next_s: float | None = None
        # Platforms with copies waiting and no bridge registered (yet) in this process.
        self._stranded: set[str] = set()

    def register(self, bridge: Bridge) -> None:
        self._bridges[bridge.platform] = bridge
        if bridge.platform in self._stranded:
            self._wake.set()  # copies were waiting for this platform

    def unregister(self, platform: str) -> None:
        self._bridges.pop(platform, None)

    def listen(self, listener: Listener) -> Callable[[], None]:
        """Called after commit for every message written, edited or deleted (web rooms)."""
        self._listeners.append(listener)
        return lambda: self._listeners.remove(listener)

    def listen_dms(self, listener: DmListener) -> Callable[[], None]:
        """Called after commit for every direct message written or seen (/messages pages)."""
        self._dm_listeners.append(listener)
        return lambda: self._dm_listeners.remove(listener)

    async def dms_written(self, items: Iterable[tuple[int, int]]) -> None:
        for thread_id, message_id in dict.fromkeys(items):
            for listener in list(self._dm_listeners):
                try:
                    await listener(thread_id, message_id)
                except Exception:
                    log.exception("a /messages listener failed")
        self._wake.set()

    async def written(self, items: Iterable[tuple[int, int]]) -> None:
        for community_id, message_id in dict.fromkeys(items):
            for listener in list(self._listeners):
                try:
                    await listener(community_id, message_id)
                except Exception:
                    log.exception("a web room listener failed")
        self._wake.set()

    async def run(self, idle_s: float | None = 60.0) -> None:
        """Drains the queue at start (copies left by a restart), whenever something is
        written here, when a throttled or retrying chat is due, and every idle_s for copies
        other processes queued (None: only on those events)."""
        while True:
            try:
                await self.drain()
            except Exception:
                log.exception("relay drain failed")
            wait = idle_s
            if self._next_s is not None:
                due = max(0.05, self._next_s - self.clock.now().timestamp())
                wait = due if wait is None else min(wait, due)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=wait)
            self._wake.clear()

    async def drain(self) -> int:
        """One pass over every chat with due copies; returns how many jobs were done."""
        async with self._lock:
            return await self._drain()

    async def _drain(self) -> int:
        now = self.clock.now()
        self._next_s = None
        async with self.db.transaction() as s:
            waiting = set(
                await s.scalars(
                    select(CommunityChannel.platform)
                    .join(RelayJob, RelayJob.channel_id == CommunityChannel.id)
                    .where(RelayJob.state == "pending", CommunityChannel.active.is_(True))
                    .distinct()
                )
            )
            self._stranded = waiting - set(self._bridges)
            if not waiting & set(self._bridges):
                return 0
            rows = (
                await s.execute(
                    select(RelayJob, CommunityChannel)
                    .join(CommunityChannel, CommunityChannel.id == RelayJob.channel_id)
                    .where(
                        RelayJob.state == "pending",
                        CommunityChannel.active.is_(True),
                        CommunityChannel.platform.in_(list(self._bridges)),
                    )
                    .order_by(RelayJob.id)
                    .limit(BATCH)
                )
            ).all()
        if len(rows) >= BATCH:
            self._wake.set()  # more are waiting behind this batch: go again at once
        by_chat: dict[int, tuple[CommunityChannel, list[RelayJob]]] = {}
        for job, ch in rows:
            by_chat.setdefault(ch.id, (ch, []))[1].append(job)
        done = await asyncio.gather(*(self._chat(ch, jobs, now) for ch, jobs in by_chat.values()))
        return sum(done)

    async def _chat(self, ch: CommunityChannel, jobs: list[RelayJob], now: datetime) -> int:
        bridge = self._bridges.get(ch.platform)
        if bridge is None:
            return 0
        rate, burst = self.rates.get(ch.platform, DEFAULT_RATE)
        bucket = self._buckets.setdefault(ch.id, Bucket(rate, burst))
        dm = ch.dm_thread_id is not None
        ref = ChatRef(ch.platform, ch.workspace, ch.chat_id, "" if dm else ch.thread_id, dm=dm)
        done = 0
        for job in jobs:
            t = self.clock.now().timestamp()
            if job.not_before > now:
                # The chat waits for its oldest job, so order is kept.
                due = job.not_before.timestamp()
                self._next_s = due if self._next_s is None else min(self._next_s, due)
                break
            if not bucket.take(t):
                due = t + (1.0 - bucket.tokens) / rate
                self._next_s = due if self._next_s is None else min(self._next_s, due)
                break
            try:
                copy_id = await self._run(bridge, ref, ch, job)
            except RelayRetry as e:
                await self._later(job.id, e.after_s, str(e))
                self._next_s = min(self._next_s or 1e18, t + e.after_s)
                break
            except RelayGone as e:
                log.warning("relay: %s chat %s is gone (%s)", ch.platform, ch.chat_id, e)
                await self._gone(ch.id, str(e))
                break
            except Exception as e:
                log.exception("relay to %s chat %s failed", ch.platform, ch.chat_id)
                await self._later(job.id, None, repr(e))
                break
            await self._done(job.id, ch.id, copy_id)
            done += 1
        return done

    async def _run(
        self, bridge: Bridge, ref: ChatRef, ch: CommunityChannel, job: RelayJob
    ) -> tuple[int, str] | None:
        """Does the job's platform call; returns (message id, platform id) of a new copy."""
        async with self.db.transaction() as s:
            msg = await s.get(RelayMessage, job.message_id)
            if msg is None:
                return None
            here = await _id_in(s, msg, ch.id)
            out = await self._out(s, msg, ch) if job.op != "delete" else None
        if job.op == "post":
            if msg.deleted_at is not None or here is not None:
                return None  # deleted before it went out, or posted already
            assert out is not None
            return msg.id, await bridge.post(ref, out)
        if here is None:
            return None  # never posted there: nothing to edit or delete
        try:
            if job.op == "edit":
                assert out is not None
                await bridge.edit(ref, here, out)
            else:
                await bridge.delete(ref, here)
        except MessageGone:
            pass  # someone removed it there already
        return None

    async def _out(self, s: AsyncSession, msg: RelayMessage, ch: CommunityChannel) -> RelayOut:
        channel_id = ch.id
        parent_id = None
        if msg.reply_to_id is not None:
            parent = await s.get(RelayMessage, msg.reply_to_id)
            if parent is not None and parent.deleted_at is None:
                parent_id = await _id_in(s, parent, channel_id)
        file_out = None
        if msg.file_id is not None:
            f = await s.get(RelayFile, msg.file_id)
            if f is not None:
                file_out = RelayFileOut(f.name, f.mime, f.data, file_url(self.public_url, f))
        buttons = await announcement_buttons(s, msg.id)
        text = await mentions_for(s, msg.text, ch.platform, ch.workspace)
        return RelayOut(Reply(attributed(msg, text), buttons=buttons), parent_id, file_out)

    async def _done(self, job_id: int, channel_id: int, copy: tuple[int, str] | None) -> None:
        async with self.db.transaction() as s:
            job = await s.get(RelayJob, job_id)
            if job is not None:
                job.state, job.attempts = "done", job.attempts + 1
            if copy is not None:
                s.add(
                    RelayCopy(
                        message_id=copy[0], channel_id=channel_id, platform_message_id=copy[1]
                    )
                )

    async def _later(self, job_id: int, after_s: float | None, why: str) -> None:
        async with self.db.transaction() as s:
            job = await s.get(RelayJob, job_id)
            if job is None:
                return
            job.attempts += 1
            wait = after_s if after_s is not None else min(BACKOFF_MAX_S, 2.0**job.attempts)
            job.not_before = self.clock.now() + timedelta(seconds=wait)
            job.error = why[:255]

    async def _gone(self, channel_id: int, why: str) -> None:
        async with self.db.transaction() as s:
            ch = await s.get(CommunityChannel, channel_id)
            if ch is not None:
                ch.active = False
            for job in await s.scalars(
                select(RelayJob).where(
                    RelayJob.channel_id == channel_id, RelayJob.state == "pending"
                )
            ):
                job.state, job.error = "dead", why[:255]
        self._buckets.pop(channel_id, None)


async def _id_in(s: AsyncSession, msg: RelayMessage, channel_id: int) -> str | None:
    """The platform id of this message in that chat: the original there, or its copy."""
    if msg.origin_channel_id == channel_id:
        return msg.origin_message_id
    return await s.scalar(
        select(RelayCopy.platform_message_id).where(
            RelayCopy.message_id == msg.id, RelayCopy.channel_id == channel_id
        )
    )
