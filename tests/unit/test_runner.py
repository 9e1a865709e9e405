"""The dialog runner: persistence across restarts, serialisation, failures, unknown input."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select

from core.app import CoreApp
from core.clock import ManualClock
from core.db.engine import Database
from core.db.schema import Conversation, User
from core.dialogs.onboarding import Onboarding
from core.messaging import Delivered, FileIn, TextIn
from core.runner import SORRY, KeyedLocks
from tests.support import ChatDriver, make_core


async def test_state_survives_a_restart(db: Database, clock: ManualClock) -> None:
    first = await make_core(db, clock)
    c = ChatDriver(first, "sam")
    await c.say("/start")
    await c.press("Learn")
    # A new process: new CoreApp, same database.
    second = await make_core(db, clock)
    c2 = ChatDriver(second, "sam")
    await c2.say("Samir")
    assert "How old are you?" in c2.text()
    await c2.press("13–17")
    assert "Which skills do you want to learn?" in c2.text()


async def test_concurrent_messages_are_processed_one_at_a_time(core: CoreApp) -> None:
    c = ChatDriver(core, "quick")
    await c.say("/start")
    results = await asyncio.gather(
        *(core.handle(c.actor, TextIn(f"nonsense {i}")) for i in range(12))
    )
    assert all("Please choose Learn, Mentor or Both." in r[0].text for r in results)
    async with core.db.transaction() as s:
        conv = await s.scalar(select(Conversation))
    assert conv is not None and conv.version == 13 and conv.state == "role"
    assert len(core.runner.locks) == 0


async def test_two_workers_on_one_database_lose_no_update(db: Database, clock: ManualClock) -> None:
    w1, w2 = await make_core(db, clock), await make_core(db, clock)
    a, b = ChatDriver(w1, "twin"), ChatDriver(w2, "twin")
    await a.say("/start")
    await asyncio.gather(*(x.say(f"bad {i}") for i in range(5) for x in (a, b)))
    async with db.transaction() as s:
        conv = await s.scalar(select(Conversation))
        users = list(await s.scalars(select(User)))
    assert conv is not None and conv.version == 11
    assert len(users) == 1


async def at_a_failing_name_step(
    core: CoreApp, name: str, monkeypatch: pytest.MonkeyPatch
) -> ChatDriver:
    """Onboarding at the name question, whose step fails until monkeypatch.undo()."""
    c = ChatDriver(core, name)
    await c.say("/start")
    await c.press("Learn")

    async def boom(self: Onboarding, ctx: object, inbound: object) -> object:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(Onboarding, "on_name", boom)
    return c


async def test_a_failing_step_changes_nothing_and_says_sorry(
    core: CoreApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = await at_a_failing_name_step(core, "oops", monkeypatch)
    await c.say("Olga")
    assert c.text() == SORRY
    monkeypatch.undo()
    await c.say("Olga")
    assert "Nice to meet you, Olga!" in c.text()


async def test_unknown_command_and_files(core: CoreApp) -> None:
    c = ChatDriver(core, "uma")
    await c.say("/start")
    await c.say("/frobnicate")
    assert "I don't know the command /frobnicate" in c.text()
    await c.send(FileIn("cv.pdf", "application/pdf", 100, "ref"))
    assert "can't use files" in c.text() and "What would you like to do?" in c.text()
    await c.say("/cancel")
    await c.say("/cancel")
    assert "nothing to cancel" in c.text()


async def test_keyed_locks_clean_up() -> None:
    from core.messaging import ConversationKey

    locks = KeyedLocks()
    key = ConversationKey("web", "w", "1", "1")
    order: list[int] = []

    async def work(n: int) -> None:
        async with locks.hold(key):
            order.append(n)
            await asyncio.sleep(0)
            order.append(n)

    await asyncio.gather(*(work(i) for i in range(5)))
    assert all(order[i] == order[i + 1] for i in range(0, 10, 2))
    assert len(locks) == 0


async def test_a_redelivered_event_is_acted_on_once(core: CoreApp) -> None:
    c = ChatDriver(core, "retry")
    await c.say("/start")
    first = Delivered("telegram:1", "501")
    replies = await core.handle(c.actor, TextIn("nonsense"), once=first)
    assert "Please choose Learn, Mentor or Both." in replies[0].text
    # The platform's retry of the same update: no answer, the conversation is untouched.
    async with core.db.transaction() as s:
        before = await s.scalar(select(Conversation.version))
    assert await core.handle(c.actor, TextIn("nonsense"), once=first) == []
    async with core.db.transaction() as s:
        assert await s.scalar(select(Conversation.version)) == before
    # Same id from another source is another event.
    assert await core.handle(c.actor, TextIn("x"), once=Delivered("slack:T1", "501"))


async def test_a_failed_step_forgets_its_delivery_so_the_retry_works(
    core: CoreApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    c = await at_a_failing_name_step(core, "crash", monkeypatch)
    once = Delivered("telegram:1", "777")
    assert (await core.handle(c.actor, TextIn("Olga"), once=once))[0].text == SORRY
    monkeypatch.undo()
    # The id was recorded in the transaction that rolled back: the retry is acted on.
    replies = await core.handle(c.actor, TextIn("Olga"), once=once)
    assert "Nice to meet you, Olga!" in replies[0].text


async def test_a_delivery_the_adapter_answers_itself_is_recorded_once(core: CoreApp) -> None:
    once = Delivered("telegram:1", "900")
    assert await core.first_delivery(once)
    assert not await core.first_delivery(once)
    # It is the same record a step makes: handle() then skips that delivery too.
    c = ChatDriver(core, "redirected")
    assert await core.handle(c.actor, TextIn("/start"), once=once) == []
    assert await core.first_delivery(Delivered("telegram:2", "900"))
