"""Which worker runs the scheduler (issue 21, part 3): exactly one of them, elected.

Time-driven work (expiries, reminders, completions, reconciliation) is safe to run twice —
every change is a conditional update and every reminder has a sent-log row — but N workers
doing it N times is waste and contention, so one worker holds the scheduler:

- with Redis (`MENTORBOT_REDIS_URL`): a lease, `SET key me NX PX ttl`, renewed by the holder
  well before it lapses; a worker that dies stops renewing and another takes the lease once
  it expires (at most `ttl` later);
- with PostgreSQL and no Redis: a session advisory lock held on a connection of its own; the
  server releases it the moment that connection closes, which a killed worker's kernel does;
- otherwise (SQLite: one process by design): this worker, always.

A holder that cannot prove it still holds the lease (Redis or the connection unreachable)
steps down at once: two schedulers for a moment are harmless, none for long is not.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import zlib
from typing import TYPE_CHECKING, Protocol

from sqlalchemy.engine import make_url

if TYPE_CHECKING:
    import asyncpg
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

LEASE_TTL_S = 15.0  # a dead holder's lease is free after this: failover within ~20 s
RENEW_S = 5.0
KEY = "mentorbot:scheduler"

# Renew only a lease this worker still holds (compare-and-expire, atomically in Redis).
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  return redis.call('del', KEYS[1])
end
return 0
"""


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class Election(Protocol):
    """`held` says whether this worker runs the scheduler now; `run` keeps it current."""

    kind: str
    worker: str

    @property
    def held(self) -> bool: ...

    async def run(self) -> None: ...

    async def close(self) -> None: ...


class _Base:
    kind = "sole"

    def __init__(self, worker: str) -> None:
        self.worker = worker
        self._held = False

    @property
    def held(self) -> bool:
        return self._held

    def _set(self, held: bool, why: str = "") -> None:
        if held != self._held:
            if held:
                log.info("worker %s took the scheduler (%s)", self.worker, self.kind)
            else:
                log.warning("worker %s lost the scheduler (%s)%s", self.worker, self.kind, why)
        self._held = held


class SoleWorker(_Base):
    """SQLite: one process owns the database, so it owns the scheduler."""

    def __init__(self, worker: str) -> None:
        super().__init__(worker)
        self._set(True)

    async def run(self) -> None:
        return None

    async def close(self) -> None:
        self._held = False


class RedisLease(_Base):
    kind = "redis lease"

    def __init__(
        self,
        client: Redis,
        worker: str,
        key: str = KEY,
        ttl_s: float = LEASE_TTL_S,
        renew_s: float = RENEW_S,
    ) -> None:
        super().__init__(worker)
        self.client = client
        self.key = key
        self.ttl_ms = int(ttl_s * 1000)
        self.renew_s = renew_s

    async def step(self) -> None:
        try:
            if self._held:
                ok = await self.client.eval(_RENEW, 1, self.key, self.worker, self.ttl_ms)
                self._set(bool(ok), ": the lease was taken over")
            else:
                got = await self.client.set(self.key, self.worker, nx=True, px=self.ttl_ms)
                self._set(bool(got))
        except Exception as exc:  # Redis down or slow: we can't prove the lease
            self._set(False, f": Redis unreachable ({exc.__class__.__name__})")

    async def run(self) -> None:
        while True:
            await self.step()
            await asyncio.sleep(self.renew_s)

    async def close(self) -> None:
        if self._held:
            try:
                await self.client.eval(_RELEASE, 1, self.key, self.worker)
            except Exception:
                log.warning("could not release the scheduler lease; it expires by itself")
        self._held = False


class PgAdvisoryLock(_Base):
    kind = "postgresql advisory lock"

    def __init__(self, dsn: str, worker: str, key: str = KEY, renew_s: float = RENEW_S) -> None:
        super().__init__(worker)
        self.dsn = dsn
        self.lock_id = zlib.crc32(key.encode())  # a stable bigint for pg_try_advisory_lock
        self.renew_s = renew_s
        self._conn: asyncpg.Connection | None = None

    async def step(self) -> None:
        import asyncpg

        try:
            if self._conn is None or self._conn.is_closed():
                self._set(False, ": its connection closed")
                self._conn = await asyncpg.connect(self.dsn, timeout=5)
            if self._held:
                await self._conn.fetchval("SELECT 1", timeout=5)  # still connected: still held
            else:
                got = await self._conn.fetchval(
                    "SELECT pg_try_advisory_lock($1)", self.lock_id, timeout=5
                )
                self._set(bool(got))
        except Exception as exc:
            self._set(False, f": database unreachable ({exc.__class__.__name__})")
            await self._drop()

    async def _drop(self) -> None:
        if self._conn is not None:
            self._conn.terminate()
            self._conn = None

    async def run(self) -> None:
        while True:
            await self.step()
            await asyncio.sleep(self.renew_s)

    async def close(self) -> None:
        if self._conn is not None and not self._conn.is_closed():
            try:
                await self._conn.close(timeout=5)  # closing releases the lock
            except Exception:
                self._conn.terminate()
        self._conn = None
        self._held = False


def asyncpg_dsn(database_url: str) -> str:
    return make_url(database_url).set(drivername="postgresql").render_as_string(False)


def deployment_key(database_url: str) -> str:
    """The lease's name: one per database, so deployments (or test runs) sharing a Redis
    elect among their own workers only."""
    where = make_url(database_url).render_as_string(hide_password=True)
    return f"{KEY}:{zlib.crc32(where.encode()):08x}"


def choose(database_url: str, redis: Redis | None, worker: str) -> Election:
    if redis is not None:
        return RedisLease(redis, worker, key=deployment_key(database_url))
    if make_url(database_url).get_backend_name() == "postgresql":
        return PgAdvisoryLock(asyncpg_dsn(database_url), worker)
    return SoleWorker(worker)


def choose_lease(database_url: str, redis: Redis | None, worker: str, name: str) -> Election:
    """Another exclusive role than the scheduler (e.g. "discord:shard:0": the worker holding
    that Discord gateway connection), elected the same way under its own name."""
    key = f"{deployment_key(database_url)}:{name}"
    if redis is not None:
        return RedisLease(redis, worker, key=key)
    if make_url(database_url).get_backend_name() == "postgresql":
        return PgAdvisoryLock(asyncpg_dsn(database_url), worker, key=key)
    return SoleWorker(worker)
