"""Quiet-hours holds on every backend: rows of a held kind written in the window are not
claimed before its end, and two sweeps at the end hand each over once; the rest go at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from core.clock import ManualClock
from core.db.engine import Database
from core.db.quiet import set_quiet
from core.db.schema import User
from core.delivery import SENT, Delivery, enqueue
from core.messaging import Reply
from core.policies import Policies
from core.quiet import QuietHours
from tests.outbox_support import person, rows
from tests.support import RecordingChannel


async def test_held_rows_wait_for_the_end_and_go_once_in_order(store: Database) -> None:
    clock = ManualClock(datetime(2026, 11, 1, 3, 0, tzinfo=UTC))  # 23:00 EDT, 31 October
    sweepers = [Delivery(store, clock, Policies(outbox_batch=3)) for _ in range(2)]
    channel = RecordingChannel("console")
    for d in sweepers:
        d.register(channel)
    async with store.transaction() as s:
        uid, _ = await person(s, "Nia", clock.now(), "console:nia")
        user = await s.get(User, uid)
        assert user is not None
        user.timezone = "America/New_York"  # falls back to EST tonight
        await set_quiet(s, uid, QuietHours(22 * 60, 7 * 60), clock.now())
        held = await enqueue(s, uid, [Reply(f"news {i}") for i in range(8)], clock.now(), "dm")
        [now] = await enqueue(s, uid, [Reply("starts in 15 min")], clock.now(), "session_reminder")
    assert {r.not_before for r in await rows(store, held)} == {
        datetime(2026, 11, 1, 12, 0, tzinfo=UTC)  # 07:00 EST
    }
    assert await sweepers[0].sweep() == 1
    assert channel.inbox["nia"] == [Reply("starts in 15 min")]
    clock.advance(datetime(2026, 11, 1, 11, 59, tzinfo=UTC) - clock.now())  # 06:59 EST
    assert await sweepers[1].sweep() == 0
    clock.advance(timedelta(minutes=1))
    for _ in range(4):  # batches of 3: each sweep claims its own rows
        await asyncio.gather(*(d.sweep() for d in sweepers))
    # Each once (the order across two processes' sweeps is not promised; one sweep keeps it).
    got = [r.text for r in channel.inbox["nia"][1:]]
    assert sorted(got) == [f"news {i}" for i in range(8)]
    assert {r.state for r in await rows(store, [*held, now])} == {SENT}
