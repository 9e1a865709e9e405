"""The outbox sweep on every backend: per-platform claims, parking, backoff, and a row claimed
by one sweep is never handed over by another (two Delivery instances, as two processes)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from core.clock import ManualClock
from core.db.engine import Database
from core.delivery import PARKED, SENT, Delivery, backoff, enqueue
from core.messaging import Reply
from core.policies import Policies
from core.ports import Destination
from tests.outbox_support import person, rows
from tests.support import RecordingChannel


@dataclass
class SlowChannel:
    """Takes its time over every delivery, so concurrent sweeps overlap."""

    platform: str
    got: list[tuple[str, str]] = field(default_factory=list)

    async def deliver(self, to: Destination, replies: Sequence[Reply]) -> bool:
        for r in replies:
            await asyncio.sleep(0.001)
            self.got.append((to.external_id, r.text))
        return True


async def test_sweep_parks_a_switched_off_platform_and_retries_the_rest(store: Database) -> None:
    clock = ManualClock()
    policies = Policies(outbox_batch=10)
    delivery = Delivery(store, clock, policies)
    console = RecordingChannel("console", offline={"bob"})
    delivery.register(console)
    async with store.transaction() as s:
        dana, _ = await person(s, "Dana", clock.now(), "discord:1")
        ravi, _ = await person(s, "Ravi", clock.now(), "discord:2", "console:ravi")
        bob, _ = await person(s, "Bob", clock.now(), "console:bob")
        parked = await enqueue(s, dana, [Reply(f"r{i}") for i in range(60)], clock.now())
        [moved] = await enqueue(s, ravi, [Reply("for Ravi")], clock.now())
        [failing] = await enqueue(s, bob, [Reply("for Bob")], clock.now())
    assert await delivery.sweep() == 1  # Ravi's, on his console account
    console.offline.clear()
    assert await delivery.sweep() == 0  # Bob's waits out its backoff
    clock.advance(backoff(policies, 1))
    assert await delivery.sweep() == 1
    assert console.inbox == {"ravi": [Reply("for Ravi")], "bob": [Reply("for Bob")]}
    states = Counter(r.state for r in await rows(store, [*parked, moved, failing]))
    assert states == {PARKED: 60, SENT: 2}


async def test_two_sweeps_at_once_hand_each_row_over_once(store: Database) -> None:
    clock = ManualClock()
    policies = Policies(outbox_batch=7)
    channels = [SlowChannel("console"), SlowChannel("console")]
    sweepers = []
    for channel in channels:
        d = Delivery(store, clock, policies)
        d.register(channel)
        sweepers.append(d)
    async with store.transaction() as s:
        wanted = []
        for i in range(12):
            user, _ = await person(s, f"P{i}", clock.now(), f"console:p{i}")
            texts = [f"p{i} #{j}" for j in range(5)]
            await enqueue(s, user, [Reply(t) for t in texts], clock.now())
            wanted += [(f"p{i}", t) for t in texts]

    async def sweep_until_done(d: Delivery) -> int:
        total = 0
        for _ in range(20):  # bounded; 60 rows in batches of 7 need at most 9 rounds
            n = await d.sweep()
            total += n
            if not n:
                break
        return total

    counts = await asyncio.gather(*(sweep_until_done(d) for d in sweepers))
    assert sum(counts) == 60
    got = channels[0].got + channels[1].got
    assert sorted(got) == sorted(wanted)  # every row once, none twice
    clock.advance(backoff(policies, 1) * 10)
    assert [await d.sweep() for d in sweepers] == [0, 0]
    assert {r.state for r in await rows(store)} == {SENT}
