"""Follows the profile change log, so profiles written by any process reach this one's index.

Polls the log at a short interval; on PostgreSQL a LISTEN on the log's channel wakes it
as soon as a writer commits, and polling stays as the fallback when that connection is
down. A database error is logged and the next round tries again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from core.db import changes
from core.db.engine import Database

log = logging.getLogger(__name__)

# On PostgreSQL a transaction can take an id and commit after one that took a later id;
# an id skipped over is asked for again until it shows up or this long has passed (a
# rolled-back writer leaves its id unused for good).
GAP_WAIT_S = 60.0
MAX_GAPS = 10_000
CATCH_UP_ROUNDS = 100  # batches read back to back before sleeping again


class ChangeFollower:
    def __init__(
        self,
        db: Database,
        on_profiles: Callable[[set[int]], None],
        on_everything: Callable[[], Awaitable[None]],
        *,
        interval_s: float = 0.5,
        batch: int = 1000,
    ) -> None:
        self.db = db
        self.on_profiles = on_profiles
        self.on_everything = on_everything
        self.interval_s = interval_s
        self.batch = batch
        self.cursor = 0
        self.gaps: dict[int, float] = {}  # id -> when to stop asking for it (monotonic)
        self._wake = asyncio.Event()
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self._listening: tuple[AsyncConnection, Any] | None = None
        self._listen_failed = False

    async def begin(self) -> None:
        """Listen, then take the newest id as the cursor. Call it before building the index
        from the database, so a change committed during the build is read again, not lost."""
        await self._keep_listening()
        async with self.db.transaction() as s:
            self.cursor = await changes.latest(s)

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(
            self._run(), name="profile-change-follower"
        )

    async def close(self, grace_s: float = 2.0) -> None:
        """Stop after the round under way (cancelled if it takes longer than grace_s)."""
        self._closed = True
        self._wake.set()
        task, self._task = self._task, None
        if task is not None and not task.done():
            try:
                await asyncio.wait_for(asyncio.shield(task), grace_s)
            except TimeoutError:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await self._unlisten()

    async def _run(self) -> None:
        while not self._closed:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.interval_s):
                    await self._wake.wait()
            self._wake.clear()
            if self._closed:
                return
            await self._keep_listening()
            try:
                for _ in range(CATCH_UP_ROUNDS):
                    if await self.poll() < self.batch or self._closed:
                        break
            except Exception:
                log.exception("following profile changes failed; trying again shortly")

    async def poll(self) -> int:
        """Read what is new since the cursor and hand it on; the number of rows read."""
        now = time.monotonic()
        gaps = {i: until for i, until in self.gaps.items() if until > now}
        async with self.db.transaction() as s:
            rows = await changes.after(s, self.cursor, self.batch, gaps)
        cursor = self.cursor
        ids: set[int] = set()
        everything = False
        for rid, uid in rows:
            if rid > cursor:
                for skipped in range(max(cursor + 1, rid - MAX_GAPS), rid):
                    gaps[skipped] = now + GAP_WAIT_S
                cursor = rid
            else:
                gaps.pop(rid, None)
            if uid is None:
                everything = True
            else:
                ids.add(uid)
        if everything:
            await self.on_everything()  # reads every profile: the ids are covered
        elif ids:
            self.on_profiles(ids)
        # Only now: a failed hand-on reads the same rows again next round.
        while len(gaps) > MAX_GAPS:
            del gaps[min(gaps)]
        self.cursor, self.gaps = cursor, gaps
        return len(rows)

    # ---------------------------------------------------------------- PostgreSQL wake-ups

    def _notified(self, *_args: object) -> None:
        self._wake.set()

    async def _keep_listening(self) -> None:
        try:
            await self._listen()
        except Exception as exc:
            # Said once per outage, not every round; polling carries on meanwhile.
            if not self._listen_failed:
                log.warning("LISTEN for profile changes failed, polling only: %s", exc)
            self._listen_failed = True
        else:
            self._listen_failed = False

    async def _listen(self) -> None:
        if self.db.is_sqlite or self._closed:
            return
        if self._listening is not None:
            if not self._listening[1].is_closed():
                return
            await self._unlisten()
        conn = await self.db.engine.connect()
        try:
            raw = (await conn.get_raw_connection()).driver_connection
            assert raw is not None  # an open connection has its driver's connection
            await raw.add_listener(changes.CHANNEL, self._notified)
        except BaseException:
            await conn.close()
            raise
        self._listening = (conn, raw)

    async def _unlisten(self) -> None:
        held, self._listening = self._listening, None
        if held is None:
            return
        conn, raw = held
        with contextlib.suppress(Exception):
            if not raw.is_closed():
                await raw.remove_listener(changes.CHANNEL, self._notified)
        # Never handed back to the pool: it was listening, and may be broken.
        with contextlib.suppress(Exception):
            await conn.invalidate()
        with contextlib.suppress(Exception):
            await conn.close()
