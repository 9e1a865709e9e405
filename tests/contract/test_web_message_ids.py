"""The web chat's message ids in core, on SQLite and PostgreSQL: two workers (two cores on one
database) given the same page message at once — a page that reconnected to the other worker
while the first was still busy — handle it once; the line and the answer are stored once,
with the step."""

from __future__ import annotations

import asyncio

from core.clock import ManualClock
from core.db.engine import Database
from core.messaging import Actor, Delivered, TextIn
from tests.support import make_core

PAGE = Actor("web", "web", "w" * 32, "Guest")


def sent(msg_id: str) -> Delivered:
    return Delivered("web-msg", f"{PAGE.external_id}:{msg_id}")


async def test_the_same_message_on_two_workers_at_once_is_handled_once(store: Database) -> None:
    one, two = await make_core(store, ManualClock()), await make_core(store, ManualClock())
    first = await one.handle_transcribed(PAGE, TextIn("Learn"), "Learn", sent=sent("a"))
    assert first and first[0].role == "user" and first[-1].role == "bot"
    results = await asyncio.gather(
        one.handle_transcribed(PAGE, TextIn("python"), "python", sent=sent("b")),
        two.handle_transcribed(PAGE, TextIn("python"), "python", sent=sent("b")),
    )
    assert sorted(r is None for r in results) == [False, True], results
    async with one.uow() as u:
        account = await u.transcript.account_id("web", "web", PAGE.external_id)
        assert account is not None
        lines = await u.transcript.since(account, 0)
    assert [e.reply.text for e in lines if e.role == "user"] == ["Learn", "python"]
    # and once more, later: acknowledged (None), nothing stored
    assert await two.handle_transcribed(PAGE, TextIn("python"), "python", sent=sent("b")) is None
    async with one.uow() as u:
        assert len(await u.transcript.since(account, 0)) == len(lines)
