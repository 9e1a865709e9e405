"""SQLAlchemy's aiosqlite adapter, with statements run on the event loop's own thread.

The stock adapter hands every statement to aiosqlite's thread four times (open a cursor,
execute, fetch, close) and waits for each answer to come back through the loop's queue.
A dialog step's SQL on a local SQLite file takes tens of microseconds; the hand-offs took
milliseconds under load, fought the loop for the GIL, and — SQLite having one writer —
every other conversation waited behind them (bench/telegram_throughput.py: 2.3 → 1.1 ms
per step alone, and the Telegram path's throughput ratio 0.28 → 0.40).

So statements, commit and rollback run inline; aiosqlite still opens and closes the
connection. Two things keep the loop from ever waiting on SQLite:
- `Database.transaction()` queues this process's transactions on an asyncio lock, so two
  of ours never contend for the file's write lock;
- `busy_timeout` is 0: when another process holds the lock, SQLite answers "database is
  locked" at once and the statement is retried here after an asyncio sleep, for up to
  `BUSY_WAIT_S`, instead of SQLite sleeping in the loop's thread.
A long read (thousands of rows) does occupy the loop while SQLite reads them; turning those
rows into ORM objects already did, and costs more.
"""

from __future__ import annotations

import asyncio
import collections
import sqlite3
import time
from collections.abc import Sequence
from typing import Any

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import EMPTY_DICT
from sqlalchemy.util.concurrency import await_

BUSY_WAIT_S = 30.0

_Outcome = tuple[Any, int, int | None, list[Any]]


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    cur = conn.cursor()
    try:
        if many:
            cur.executemany(operation, parameters)
        elif parameters is None:
            cur.execute(operation)
        else:
            cur.execute(operation, parameters)
        rows = cur.fetchall() if cur.description else []
        return cur.description, cur.rowcount, cur.lastrowid, rows
    finally:
        cur.close()


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return bool(code & 0xFF == sqlite3.SQLITE_BUSY)
    return "database is locked" in str(exc)


async def _patiently(fn: Any, *args: Any) -> Any:
    """fn(*args), retried while another process holds the database (nothing ran)."""
    deadline = time.monotonic() + BUSY_WAIT_S
    pause = 0.001
    while True:
        try:
            return fn(*args)
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc) or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(pause)
        pause = min(pause * 2, 0.05)


async def _nothing() -> None:
    return None


class InlineCursor(AsyncAdapt_aiosqlite_cursor):
    """Buffers the whole result, as the stock (non-server-side) cursor already does."""

    __slots__ = ("_description", "_lastrowid", "_rowcount")
    _awaitable_cursor_close = False

    def __init__(self, adapt_connection: Any) -> None:
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._cursor = None  # type: ignore[assignment]
        self._soft_closed_memoized = EMPTY_DICT
        self._rows = collections.deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: int | None = None

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid  # type: ignore[return-value]

    async def _async_soft_close(self) -> None:
        return None

    def close(self) -> None:
        self._rows.clear()

    def execute(self, operation: Any, parameters: Any = None) -> Any:
        return self._go(operation, parameters, many=False)

    def executemany(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
        return self._go(operation, seq_of_parameters, many=True)

    def _go(self, operation: Any, parameters: Any, *, many: bool) -> None:
        conn: sqlite3.Connection = self._connection._conn
        try:
            try:
                outcome = _run(conn, operation, parameters, many)
            except sqlite3.OperationalError as exc:
                if not _is_busy(exc):
                    raise
                outcome = await_(_patiently(_run, conn, operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = collections.deque(rows)
        # AsyncConnection.execute insists that the driver awaited something; this costs
        # two greenlet switches and never reaches the event loop.
        await_(_nothing())

    def nextset(self) -> None:
        return None


class InlineConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = InlineCursor

    def _sqlite(self) -> sqlite3.Connection | None:
        return self._connection._connection  # type: ignore[no-any-return]

    def commit(self) -> None:
        conn = self._sqlite()
        if conn is not None:
            try:
                try:
                    conn.commit()
                except sqlite3.OperationalError as exc:
                    if not _is_busy(exc):
                        raise
                    await_(_patiently(conn.commit))
            except Exception as error:
                self._handle_exception(error)

    def rollback(self) -> None:
        conn = self._sqlite()
        if conn is not None:
            try:
                conn.rollback()
            except Exception as error:
                self._handle_exception(error)


class InlineDBAPI(AsyncAdapt_aiosqlite_dbapi):
    def connect(self, *arg: Any, **kw: Any) -> AsyncAdapt_aiosqlite_connection:
        # Opened on aiosqlite's thread, used from the loop's: sqlite3 must allow that.
        kw["check_same_thread"] = False
        kw["timeout"] = 0
        conn = super().connect(*arg, **kw)
        return InlineConnection(self, conn._connection)


def inline_dbapi() -> InlineDBAPI:
    """Pass as `module=` to create_async_engine for a sqlite+aiosqlite URL."""
    return InlineDBAPI(aiosqlite, sqlite3)
