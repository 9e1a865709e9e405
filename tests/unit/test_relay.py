"""The community bridge in core (issue #15): linked chats, one copy per other chat, replies,
edits, deletes, mass mentions made inert, 429s and outages delivered later exactly once, a
restart that picks the queue up. Platforms are RecordingBridges here; the SDK stacks against
the platform fakes are in tests/adapters."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from core.app import CoreApp
from core.clock import ManualClock
from core.db.engine import Database
from core.messaging import Actor, CommandIn, ConversationKey
from core.ports import ChatRef
from core.relay import RelayQueue
from tests.relay_support import RecordingBridge
from tests.support import make_core, rebuilt
from tests.unit.test_communities import admin_creates

TG = ChatRef("telegram", "telegram", "-100")
DC = ChatRef("discord", "guild1", "c1")
SL = ChatRef("slack", "T1", "C1")


def boss(platform: str) -> Actor:
    ws = {"telegram": "telegram", "discord": "guild1", "slack": "T1"}[platform]
    return Actor(platform, ws, "boss", "Boss")  # type: ignore[arg-type]


async def link(core: CoreApp, chat: ChatRef, code: str, who: Actor | None = None) -> str:
    actor = who or boss(chat.platform)
    key = ConversationKey(actor.platform, actor.workspace, chat.chat_id, actor.external_id)
    replies = await core.handle(actor, CommandIn("community", f"link {code}"), key)
    return "\n".join(r.text for r in replies)


@pytest.fixture
async def bridged(db: Database, clock: ManualClock) -> tuple[CoreApp, dict[str, RecordingBridge]]:
    admins = ["console:admin", "telegram:boss", "discord:boss", "slack:boss"]
    core = await make_core(db, clock, admins=admins)
    code = await admin_creates(core, "Python Learners", "Python", "public")
    for chat in (TG, DC, SL):
        assert "Linked to Python Learners" in await link(core, chat, code)
    bridges = {p: RecordingBridge(p) for p in ("telegram", "discord", "slack")}
    for b in bridges.values():
        core.relay.register(b)
    return core, bridges


async def settle(core: CoreApp, clock: ManualClock) -> None:
    """Drains the queue as the running bridge would, time passing between passes."""
    for _ in range(20):
        n = await core.relay.drain()
        clock.advance(timedelta(seconds=5))
        if n == 0:
            return


def asha(platform: str = "telegram") -> Actor:
    return Actor(platform, {"telegram": "telegram", "discord": "guild1", "slack": "T1"}[platform],
                 "asha", "Asha")  # type: ignore[arg-type]  # fmt: skip


async def test_a_message_reaches_every_other_chat_once_attributed(bridged) -> None:  # type: ignore[no-untyped-def]
    core, b = bridged
    assert await core.relay_said(asha(), TG, "1", "hi all, *stars* stay stars")
    assert not await core.relay_said(asha(), TG, "1", "hi all, *stars* stay stars")  # redelivery
    assert await core.relay.drain() == 2
    for plat, chat in (("discord", "c1"), ("slack", "C1")):
        (text,) = b[plat].texts(chat)
        assert text == "*Asha* · Telegram\nhi all, \\*stars\\* stay stars"
    assert b["telegram"].calls == []  # never echoed back
    assert await core.relay.drain() == 0  # nothing twice
    history = await core.room_history(1)
    assert [m.author for m in history] == ["Asha"] and history[0].platform == "Telegram"


async def test_a_reply_stays_a_reply_on_every_platform(bridged, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    core, b = bridged
    await core.relay_said(asha(), TG, "1", "question?")
    await settle(core, clock)
    (dc_copy,) = b["discord"].chats["c1"]
    (sl_copy,) = b["slack"].chats["C1"]
    # Ravi answers on Discord, replying to the copy he sees there.
    ravi = Actor("discord", "guild1", "ravi", "Ravi")
    await core.relay_said(ravi, DC, "d9", "answer!", reply_to=dc_copy)
    await settle(core, clock)
    (tg_answer,) = b["telegram"].chats["-100"].values()
    assert tg_answer.reply_to == "1"  # the original Telegram message
    answer = next(s for s in b["slack"].chats["C1"].values() if "answer" in s.text)
    assert answer.reply_to == sl_copy
    assert (await core.room_history(1))[-1].reply_to == (await core.room_history(1))[0].id


async def test_edits_and_deletes_follow_every_copy(bridged, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    core, b = bridged
    await core.relay_said(asha(), TG, "1", "typo heer")
    await settle(core, clock)
    assert await core.relay_edited(TG, "1", "typo here")
    assert not await core.relay_edited(TG, "1", "typo here")  # same text: no edit
    await settle(core, clock)
    assert b["discord"].texts("c1") == ["*Asha* · Telegram\ntypo here"]
    assert b["slack"].texts("C1") == ["*Asha* · Telegram\ntypo here"]
    assert (await core.room_history(1))[0].edited
    # Ravi deletes his own Discord message: its copies go, the web room shows it deleted.
    await core.relay_said(Actor("discord", "guild1", "ravi", "Ravi"), DC, "d2", "oops")
    await settle(core, clock)
    assert len(b["telegram"].chats["-100"]) == 1
    assert await core.relay_deleted(DC, "d2")
    await settle(core, clock)
    assert b["telegram"].chats["-100"] == {} and len(b["slack"].chats["C1"]) == 1
    assert (await core.room_history(1))[-1].deleted


async def test_mass_mentions_arrive_inert(bridged, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    core, b = bridged
    await core.relay_said(asha(), TG, "1", "@everyone look @here <!channel>")
    await settle(core, clock)
    (text,) = b["discord"].texts("c1")
    assert "@everyone" not in text and "@here" not in text
    assert "@\u2060everyone" in text


async def test_429_and_outage_are_delivered_later_exactly_once(bridged, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    core, b = bridged
    b["slack"].busy = 1
    b["discord"].down = True
    for n in range(3):
        await core.relay_said(asha(), TG, str(n), f"message {n}")
    await core.relay.drain()
    assert b["slack"].texts("C1") == [] and b["discord"].texts("c1") == []
    clock.advance(timedelta(seconds=3))
    await core.relay.drain()
    assert [t.split("\n")[1] for t in b["slack"].texts("C1")] == [f"message {n}" for n in range(3)]
    b["discord"].down = False
    clock.advance(timedelta(minutes=6))
    await core.relay.drain()
    assert [t.split("\n")[1] for t in b["discord"].texts("c1")] == [
        f"message {n}" for n in range(3)
    ]
    await core.relay.drain()
    assert len(b["discord"].calls) == 3 and len(b["slack"].calls) == 3


async def test_a_restart_picks_up_the_queue_and_posts_nothing_twice(
    bridged, clock: ManualClock
) -> None:  # type: ignore[no-untyped-def]
    core, b = bridged
    b["discord"].down = True
    await core.relay_said(asha(), TG, "1", "before the restart")
    await core.relay.drain()
    assert len(b["slack"].calls) == 1 and b["discord"].calls == []
    # A new process: a new queue over the same database, the platforms back.
    again = rebuilt(core, relay=RelayQueue(core.db, clock, core.policies.public_url))
    fresh = {p: RecordingBridge(p) for p in ("telegram", "discord", "slack")}
    for br in fresh.values():
        again.relay.register(br)
    clock.advance(timedelta(minutes=6))
    await again.relay.drain()
    assert len(fresh["discord"].calls) == 1 and fresh["slack"].calls == []


async def test_only_owners_moderators_and_admins_link_and_unlinked_chats_are_ignored(
    bridged,  # type: ignore[no-untyped-def]
) -> None:
    core, _b = bridged
    other = ChatRef("telegram", "telegram", "-200")
    code = "nope"
    assert "doesn't match" in await link(core, other, code)
    assert not await core.relay_said(asha(), other, "1", "hello?")
    # A member who isn't a moderator can't link their group.
    from_db = await core.room("python-learners", None)
    assert from_db is not None
    reply = await link(core, other, from_db.invite_code, who=asha())
    assert "Only Python Learners's owners and moderators" in reply
    # In a private chat the command explains where to run it.
    replies = await core.handle(asha(), CommandIn("community", f"link {from_db.invite_code}"))
    assert "in the group or channel you want to link" in replies[0].text


async def test_a_backlog_bigger_than_one_batch_is_drained_by_the_running_bridge(
    bridged: tuple[CoreApp, dict[str, RecordingBridge]],
) -> None:
    core, b = bridged
    core.relay.rates = {p: (1e6, 1_000_000) for p in ("telegram", "discord", "slack")}
    runner = asyncio.create_task(core.relay.run(idle_s=None))
    try:
        await asyncio.sleep(0.05)  # its first pass finds nothing
        for n in range(300):  # 600 copies, written while it runs: more than one batch
            await core.relay_said(asha(), TG, str(n), f"m{n}")
        for _ in range(500):  # bounded: about 10 s
            if len(b["slack"].chats.get("C1", {})) == 300 == len(b["discord"].chats["c1"]):
                break
            await asyncio.sleep(0.02)
    finally:
        runner.cancel()
    assert len(b["slack"].chats["C1"]) == 300 and len(b["discord"].chats["c1"]) == 300
