"""A dialog step on PostgreSQL: how many statements and round trips it costs, and a
connection the server dropped costs a retry, never the step (issue 21, part 9).

The statements are counted the way the Slack tests count them (SQLAlchemy's
before_cursor_execute); what SQLAlchemy sends outside them (BEGIN, COMMIT, a pre-ping's
statement and ROLLBACK) is counted with asyncpg's own query logger."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event, text

from core.app import CoreApp
from core.clock import ManualClock
from core.db.engine import Database, create_engine
from core.dialogs.engine import Ctx
from core.messaging import CommandIn, ConversationKey, Delivered, Reply
from core.runner import SORRY
from tests.support import PG_URL, ChatDriver, drop_pg_schema, make_core, postgres_schema_db

pytestmark = pytest.mark.skipif(
    not PG_URL, reason="PostgreSQL round trips: set MENTORBOT_TEST_DATABASE_URL to run them"
)


@pytest.fixture
async def pg() -> AsyncIterator[Database]:
    db, schema = await postgres_schema_db()
    try:
        yield db
    finally:
        await db.dispose()
        await drop_pg_schema(schema)


@contextmanager
def count_wire(db: Database) -> Iterator[tuple[list[str], list[str]]]:
    """(statements, other queries) sent on any connection checked out meanwhile."""
    statements: list[str] = []
    queries: list[str] = []
    engine = db.engine.sync_engine
    logged: list[Any] = []

    def on_execute(*args: Any) -> None:
        statements.append(str(args[2]).split()[0])

    def on_query(record: Any) -> None:
        queries.append(record.query.strip())

    def on_checkout(dbapi_conn: Any, *_: Any) -> None:
        conn = dbapi_conn.driver_connection
        if conn not in logged:
            conn.add_query_logger(on_query)
            logged.append(conn)

    # Inserted first: it must see the connection before the engine's own checkout check.
    event.listen(engine.pool, "checkout", on_checkout, insert=True)
    event.listen(engine, "before_cursor_execute", on_execute)
    try:
        yield statements, queries
    finally:
        event.remove(engine, "before_cursor_execute", on_execute)
        event.remove(engine.pool, "checkout", on_checkout)
        for conn in logged:
            conn.remove_query_logger(on_query)


async def core_with_person(db: Database) -> tuple[CoreApp, ChatDriver]:
    core = await make_core(db, ManualClock())
    person = ChatDriver(core, "ravi", platform="telegram")
    await person.say("hello")  # creates the person, their account and conversation
    return core, person


async def menu(core: CoreApp, person: ChatDriver, update_id: int) -> list[Reply]:
    return await core.handle(
        person.actor, CommandIn("menu"), once=Delivered("telegram:1", str(update_id))
    )


STEP = ["WITH", "SELECT", "UPDATE"]


async def test_a_step_is_three_statements_in_one_transaction(pg: Database) -> None:
    core, person = await core_with_person(pg)
    with count_wire(pg) as (statements, queries):
        replies = await menu(core, person, 1)
        await asyncio.sleep(0)  # asyncpg hands log records over with call_soon
    assert replies and replies[0].text != SORRY
    # The delivery recorded and the conversation locked (one statement), the person (and
    # any suspension of theirs) read, the conversation saved.
    assert statements == STEP
    # No pre-ping (it was BEGIN; ";"; ROLLBACK before every transaction).
    assert queries == ["BEGIN;", "COMMIT;"]


async def test_a_first_delivery_starts_the_conversation_and_a_repeat_is_ignored(
    pg: Database,
) -> None:
    core = await make_core(pg, ManualClock())
    newcomer = ChatDriver(core, "asha", platform="telegram")
    first = await menu(core, newcomer, 7)
    assert first and "What would you like to do?" in first[0].text
    with count_wire(pg) as (statements, queries):
        again = await menu(core, newcomer, 7)
        await asyncio.sleep(0)
    assert again == []
    assert statements == ["WITH"] and queries == ["BEGIN;", "ROLLBACK;"]
    assert "What would you like to do?" in (await menu(core, newcomer, 8))[0].text


async def test_a_suspended_person_costs_no_extra_statement(pg: Database) -> None:
    core, person = await core_with_person(pg)
    admin = ChatDriver(core, "root", platform="telegram")
    await admin.say("hello")
    async with core.uow() as u:
        boss = await u.identity.find(admin.actor)
        who = await u.identity.find(person.actor)
        assert boss is not None and who is not None
        await u.admin_people.suspend(boss, who.id, "spam")
    with count_wire(pg) as (statements, _):
        replies = await menu(core, person, 2)
    assert [r.text for r in replies] == [
        "Your account is suspended: spam If you think this is a mistake, reply to the admin "
        "who told you."
    ]
    assert statements == STEP


async def terminate_backends(pids: set[int]) -> None:
    admin = create_engine(PG_URL)
    async with admin.begin() as conn:
        for pid in pids:
            assert await conn.scalar(text("SELECT pg_terminate_backend(:p)"), {"p": pid})
    await admin.dispose()


async def backend_pids(db: Database) -> set[int]:
    """The server processes of the connections idle in the pool (all of them checked out
    at once, so each is reported)."""
    pool = db.engine.sync_engine.pool
    conns = [await db.engine.connect() for _ in range(max(1, pool.checkedin()))]  # type: ignore[attr-defined]
    try:
        return {int(await c.scalar(text("SELECT pg_backend_pid()")) or 0) for c in conns}
    finally:
        for c in conns:
            await c.close()


async def test_a_connection_dropped_in_the_pool_is_replaced_without_a_ping(
    pg: Database,
) -> None:
    core, person = await core_with_person(pg)
    await terminate_backends(await backend_pids(pg))
    await asyncio.sleep(0.2)  # the server's goodbye reaches asyncpg
    with count_wire(pg) as (statements, queries):
        replies = await menu(core, person, 3)
        await asyncio.sleep(0)
    assert replies and replies[0].text != SORRY and "What would you like to do?" in replies[0].text
    assert statements == STEP
    assert queries == ["BEGIN;", "COMMIT;"]


async def test_a_connection_dropped_mid_step_retries_the_step(pg: Database) -> None:
    core, person = await core_with_person(pg)
    attempts: list[int] = []

    async def work(ctx: Ctx) -> str:
        pid = int(await ctx.u.session.scalar(text("SELECT pg_backend_pid()")) or 0)
        attempts.append(pid)
        if len(attempts) == 1:
            await terminate_backends({pid})
        ctx.data["seen"] = len(attempts)
        return "done"

    key = ConversationKey.private(person.actor)
    assert await core.runner.converse(person.actor, key, work) == "done"
    assert len(attempts) == 2 and attempts[0] != attempts[1]
    # The first attempt's work was rolled back with its connection: the next step sees
    # the second attempt's save, then goes on as usual.
    replies = await menu(core, person, 4)
    assert replies and "What would you like to do?" in replies[0].text


async def test_more_concurrent_steps_than_the_pool_wait_for_a_connection_instead_of_opening_more() -> (
    None
):
    """The pool never opens overflow connections (each would be connected and closed again
    around one step): 6 concurrent transactions on a pool of 2 use 2 server backends."""
    db = Database.from_url(PG_URL, pool_size=2)
    try:

        async def one() -> int:
            async with db.transaction() as s:
                pid = (await s.execute(text("SELECT pg_backend_pid()"))).scalar_one()
                await s.execute(text("SELECT pg_sleep(0.05)"))
                return int(pid)

        pids = await asyncio.gather(*(one() for _ in range(6)))
        assert len(pids) == 6
        assert len(set(pids)) <= 2
        assert db.engine.pool.size() == 2  # type: ignore[attr-defined]
    finally:
        await db.dispose()


def test_the_pool_size_setting_reaches_the_engine(tmp_path: Any) -> None:
    from mentorbot.settings import Settings

    assert Settings(_env_file=None).database_pool_size == 20
    settings = Settings(_env_file=None, database_pool_size=7)  # type: ignore[call-arg]
    db = Database.from_url(PG_URL, pool_size=settings.database_pool_size)
    assert db.engine.pool.size() == 7  # type: ignore[attr-defined]
    assert db.engine.pool._max_overflow == 0  # type: ignore[attr-defined]
