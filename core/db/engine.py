"""Engine and session factory for SQLite (WAL, foreign keys) and PostgreSQL (asyncpg)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from core.db.sqlite_driver import inline_dbapi


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def create_engine(url: str, *, echo: bool = False, **options: Any) -> AsyncEngine:
    """`options`: more create_async_engine arguments (PostgreSQL only: pool size, ...)."""
    if not is_sqlite(url):
        return _server_engine(url, echo=echo, **options)
    engine = create_async_engine(url, echo=echo, module=inline_dbapi())

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let us issue BEGIN ourselves: the driver's implicit deferred BEGIN makes
        # concurrent writers fail on lock upgrade instead of waiting.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        # 0: a locked database is waited out by sqlite_driver with asyncio sleeps.
        cur.execute("PRAGMA busy_timeout=0")
        if make_url(url).database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    # The dialect's own hook, not a "begin" listener: any engine listener makes SQLAlchemy
    # dispatch its execute and cursor events on every statement (about a tenth of a
    # dialog step's CPU here). The instance attribute shadows the dialect's method.
    engine.sync_engine.dialect.do_begin = _begin_immediate  # type: ignore[method-assign,assignment]
    return engine


# Connections per process. Steps beyond it wait for a free one instead of opening
# "overflow" connections: each of those is connected (TLS tried, authenticated) and
# closed again on return, and starts with an empty prepared-statement cache. Under 50
# concurrent Telegram users that churn cost about a fifth of the throughput
# (bench.telegram_throughput on PostgreSQL: 38-44 vs 51-55 updates/s, same load).
DEFAULT_POOL_SIZE = 20


def _server_engine(url: str, **options: Any) -> AsyncEngine:
    options.setdefault("pool_size", DEFAULT_POOL_SIZE)
    options.setdefault("max_overflow", 0)
    # No pool_pre_ping: with asyncpg it is BEGIN, a statement and ROLLBACK, three round trips
    # before every transaction (more than a simple dialog step's own statements). Instead:
    engine = create_async_engine(url, **options)

    @event.listens_for(engine.sync_engine, "checkout")
    def _on_checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
        # A connection the server closed while it sat in the pool (a restart, an idle
        # timeout, pg_terminate_backend) has already been seen closed by asyncpg's protocol:
        # no round trip to find out. The pool then discards it and checks out another.
        if dbapi_conn.driver_connection.is_closed():
            raise DisconnectionError("connection closed while idle in the pool")

    # One that dies mid-transaction fails that transaction with an error SQLAlchemy marks
    # `connection_invalidated` (and empties the pool of its peers); the runner retries the
    # step from scratch (core.runner.is_transient).
    return engine


def _begin_immediate(dbapi_conn: Any) -> None:
    # Straight to the driver: this runs for every transaction.
    cur = dbapi_conn.cursor()
    cur.execute("BEGIN IMMEDIATE")
    cur.close()


class Database:
    """One engine and its session factory; `transaction()` is the unit of work."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)
        # SQLite has one writer. Waiting for it inside SQLite means its busy handler, which
        # sleeps in growing steps (up to 100 ms) however soon the lock frees; queueing here
        # first is FIFO and wakes the next transaction at once. Other processes still meet
        # at SQLite's lock.
        self._write_gate = asyncio.Lock() if self.is_sqlite else None
        self._held: tuple[AsyncConnection, AsyncSession] | None = None

    @classmethod
    def from_url(cls, url: str, *, pool_size: int | None = None) -> Database:
        """`pool_size`: connections per process on a server database (SQLite: ignored)."""
        if pool_size is None or is_sqlite(url):
            return cls(create_engine(url))
        return cls(create_engine(url, pool_size=pool_size))

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        if self._write_gate is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._write_gate:
            # One transaction at a time in this process, so one connection and one session
            # serve them all: taking a connection from the pool, resetting it on return and
            # building a session cost about a third of a dialog step's SQLAlchemy time.
            session = await self._held_session()
            try:
                async with session.begin():
                    yield session
            except BaseException:
                await self._drop_held()  # whatever went wrong, the next one starts afresh
                raise
            finally:
                # Nothing read here may be taken as current by the next transaction.
                session.expunge_all()

    async def _held_session(self) -> AsyncSession:
        if self._held is None:
            conn = await self.engine.connect()
            self._held = (conn, AsyncSession(bind=conn, expire_on_commit=False))
        return self._held[1]

    async def _drop_held(self) -> None:
        held, self._held = self._held, None
        if held is not None:
            await held[1].close()
            await held[0].close()

    async def ping(self) -> bool:
        try:
            async with self.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
            return True
        except Exception:
            return False

    async def dispose(self) -> None:
        if self._write_gate is not None:
            async with self._write_gate:
                await self._drop_held()
        await self.engine.dispose()
