"""Direct messages in core (issue #16) with RecordingBridges for the platforms: the thread of
a pair, what each side receives once and in order, replies, intro requests, notes, reports,
retention, and a restart mid-delivery. The SDK stacks are in tests/adapters/test_dms.py."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from core.app import CoreApp
from core.clock import ManualClock
from core.db.dms import DmReport, DmRequest, DmThread
from core.db.engine import Database
from core.db.relay import RelayMessage
from core.messaging import ActionIn, Actor, CommandIn, TextIn
from core.relay import RelayQueue
from core.services.dms import DmError
from core.services.relay import Upload
from tests.dm_support import PNG, booked, person
from tests.relay_support import RecordingBridge
from tests.support import ChatDriver, find_button, make_core, rebuilt

ASHA = Actor("telegram", "telegram", "111", "Asha")  # learner
MEERA = Actor("slack", "T1", "UMEERA", "Meera")  # mentor
OGG = b"OggS" + bytes(200)


@pytest.fixture
async def pair(db: Database, clock: ManualClock) -> tuple[CoreApp, dict[str, RecordingBridge]]:
    core = await make_core(db, clock)
    learner = await person(core, ASHA)
    mentor = await person(core, MEERA, mentor=True)
    await booked(core, learner, mentor)
    bridges = {p: RecordingBridge(p) for p in ("telegram", "slack", "discord")}
    for b in bridges.values():
        core.relay.register(b)
    return core, bridges


async def settle(core: CoreApp, clock: ManualClock) -> None:
    for _ in range(20):
        n = await core.relay.drain()
        clock.advance(timedelta(seconds=5))
        if n == 0:
            return


async def open_thread(core: CoreApp, actor: Actor) -> int:
    """✉️ Message on the booking in /sessions: the writing mode."""
    listing = await core.handle(actor, CommandIn("sessions"))
    replies = await core.handle(actor, ActionIn(find_button(listing, "Message")))
    assert "✉️ to" in replies[0].text
    thread = await core.dm_target(actor, None, "hello")
    assert thread is not None
    return thread


async def test_text_image_and_voice_reach_the_other_side_once_in_order(pair, clock) -> None:  # type: ignore[no-untyped-def]
    core, b = pair
    await open_thread(core, ASHA)
    assert await core.handle(ASHA, TextIn("hi Meera, a question about decorators")) == []
    t = await core.dm_target(ASHA, None, "x")
    assert t is not None
    assert (
        await core.dm_said(ASHA, t, "501", "my code", upload=Upload("a.png", "image/png", PNG))
        is None
    )
    assert (
        await core.dm_said(ASHA, t, "502", "", upload=Upload("voice.ogg", "audio/ogg", OGG)) is None
    )
    await settle(core, clock)
    shown = list(b["slack"].chats["UMEERA"].values())
    assert [s.text for s in shown] == [
        "✉️ *Asha*\nhi Meera, a question about decorators",
        "✉️ *Asha*\nmy code",
        "✉️ *Asha*",
    ]
    assert [s.file for s in shown] == [None, "a.png", "voice.ogg"]
    assert b["telegram"].calls == []  # nothing echoed back to the writer
    # The platform delivers message 501 again: still one copy.
    assert (
        await core.dm_said(ASHA, t, "501", "my code", upload=Upload("a.png", "image/png", PNG))
        is None
    )
    await settle(core, clock)
    assert len(b["slack"].chats["UMEERA"]) == 3

    # Meera answers in Slack's thread of the image: the Telegram copy replies to Asha's 501.
    image_copy = shown[1].id
    mt = await core.dm_target(MEERA, image_copy, "looks fine")
    assert mt == t  # a reply goes to its thread even outside the writing mode
    assert await core.dm_said(MEERA, t, "1700.1", "looks fine", reply_to=image_copy) is None
    await settle(core, clock)
    [answer] = b["telegram"].chats["111"].values()
    assert answer.text == "✉️ *Meera*\nlooks fine" and answer.reply_to == "501"


async def test_commands_still_work_and_done_leaves_the_mode(pair) -> None:  # type: ignore[no-untyped-def]
    core, _b = pair
    await open_thread(core, ASHA)
    assert await core.dm_target(ASHA, None, "menu") is None  # the bot's word, not a message
    replies = await core.handle(ASHA, CommandIn("sessions"))
    assert any("Past" in r.text for r in replies)
    assert await core.dm_target(ASHA, None, "hello") is None  # a command left the mode
    await open_thread(core, ASHA)
    await core.handle(ASHA, CommandIn("done"))
    assert await core.dm_target(ASHA, None, "hello") is None


async def test_intro_request_declined_leaves_no_thread_accepted_opens_one(db, clock) -> None:  # type: ignore[no-untyped-def]
    core = await make_core(db, clock)
    await person(core, ASHA)
    mentor = await person(core, MEERA, mentor=True)
    # Not booked: the profile offers an intro, not a message.
    card = await core.handle(ASHA, ActionIn(f"pv:{mentor}"))
    with pytest.raises(AssertionError):
        find_button(card, "✉️ Message")
    await core.handle(ASHA, ActionIn(find_button(card, "Send an intro")))
    assert "Sent" in (await core.handle(ASHA, TextIn("Hi! I'm learning Python.")))[0].text
    again = await core.handle(ASHA, ActionIn(f"dm:intro:{mentor}"))
    again = await core.handle(ASHA, TextIn("me again"))
    assert "still waiting" in again[0].text
    async with core.uow() as u:
        from core.db.dms import DmRequest

        req = await u.session.scalar(select(DmRequest))
        assert req is not None
    declined = await core.handle(MEERA, ActionIn(f"dm:dec:{req.id}"))
    assert "No conversation was opened" in declined[0].text
    async with core.uow() as u:
        assert await u.session.scalar(select(func.count()).select_from(DmThread)) == 0
    # The cap: three a day.
    for i in range(2):
        other = await person(core, Actor("slack", "T1", f"UM{i}", f"M{i}"), mentor=True)
        await core.handle(ASHA, ActionIn(f"dm:intro:{other}"))
        await core.handle(ASHA, TextIn("hello"))
    last = await person(core, Actor("slack", "T1", "UM9", "M9"), mentor=True)
    await core.handle(ASHA, ActionIn(f"dm:intro:{last}"))
    assert "3 intro requests a day" in (await core.handle(ASHA, TextIn("hello")))[0].text


async def test_accepted_intro_opens_the_thread_with_the_intro_in_it(db, clock) -> None:  # type: ignore[no-untyped-def]
    core = await make_core(db, clock)
    await person(core, ASHA)
    mentor = await person(core, MEERA, mentor=True)
    await core.handle(ASHA, ActionIn(f"dm:intro:{mentor}"))
    await core.handle(ASHA, TextIn("Hi! I'm learning Python."))
    async with core.uow() as u:
        from core.db.dms import DmRequest

        req = await u.session.scalar(select(DmRequest))
        assert req is not None
    accepted = await core.handle(MEERA, ActionIn(f"dm:acc:{req.id}"))
    assert "✉️ to *Asha*" in accepted[0].text
    async with core.uow() as u:
        [msg] = (await u.session.scalars(select(RelayMessage))).all()
        assert msg.text == "Hi! I&#x27;m learning Python." or "learning Python" in msg.text


async def test_notes_pin_and_open_items_remind_the_learner(pair) -> None:  # type: ignore[no-untyped-def]
    core, _b = pair
    t = await open_thread(core, MEERA)
    await core.handle(MEERA, ActionIn(f"dm:notes:{t}"))
    done = await core.handle(MEERA, TextIn("Good session.\n- read PEP 318\n- [x] install pytest"))
    assert "1 open action item" in done[0].text
    ids = await _ids(core)
    async with core.uow() as u:
        assert await u.dms.open_items_of(*ids) == ["read PEP 318"]


async def _ids(core: CoreApp) -> tuple[int, int]:
    async with core.uow() as u:
        t = await u.session.scalar(select(DmThread))
        assert t is not None
        return t.learner_id, t.mentor_id


async def test_report_keeps_the_message_and_retention_deletes_old_ones(pair, clock) -> None:  # type: ignore[no-untyped-def]
    core, _b = pair
    t = await open_thread(core, ASHA)
    await core.dm_said(ASHA, t, "1", "old and rude")
    await core.dm_said(ASHA, t, "2", "old and fine")
    async with core.uow() as u:
        rude, _fine = (
            await u.session.scalars(select(RelayMessage).order_by(RelayMessage.id))
        ).all()
    await core.dm_report(MEERA, rude.id, "rude")
    clock.advance(timedelta(days=366))
    await core.dm_said(ASHA, t, "3", "new")
    report = await core.tick()
    assert report.dms_purged == 1
    async with core.uow() as u:
        left = [m.text for m in await u.session.scalars(select(RelayMessage))]
        assert left == ["old and rude", "new"]
        assert await u.session.scalar(select(func.count()).select_from(DmReport)) == 1


async def test_a_sender_is_rate_limited(pair) -> None:  # type: ignore[no-untyped-def]
    core, _b = pair
    t = await open_thread(core, ASHA)
    said = [await core.dm_said(ASHA, t, str(i), f"m{i}") for i in range(12)]
    assert said[:8] == [None] * 8
    assert said[8] is not None and "Slow down" in said[8]


async def test_a_restart_mid_delivery_posts_each_copy_exactly_once(pair, clock) -> None:  # type: ignore[no-untyped-def]
    core, b = pair
    t = await open_thread(core, ASHA)
    for i in range(5):
        await core.dm_said(ASHA, t, str(i), f"m{i}")
    b["slack"].busy = 0
    # Slack takes two, then is down: the process stops with three waiting.
    await core.relay.drain()  # burst 3: three go
    b["slack"].down = True
    clock.advance(timedelta(seconds=5))
    await core.relay.drain()
    assert len(b["slack"].calls) == 3
    again = rebuilt(core, relay=RelayQueue(core.db, clock, core.policies.public_url))
    fresh = {p: RecordingBridge(p) for p in ("telegram", "slack")}
    for br in fresh.values():
        again.relay.register(br)
    for _ in range(20):
        clock.advance(timedelta(minutes=6))
        if await again.relay.drain() == 0 and len(fresh["slack"].calls) >= 2:
            break
    assert [s.text for s in fresh["slack"].chats["UMEERA"].values()] == [
        "✉️ *Asha*\nm3",
        "✉️ *Asha*\nm4",
    ]


async def test_the_next_booking_confirmation_reminds_the_learner_of_open_items(pair) -> None:  # type: ignore[no-untyped-def]
    import json

    from core.db.schema import Outbox
    from core.events import BookingConfirmed

    core, _b = pair
    t = await open_thread(core, MEERA)
    await core.handle(MEERA, ActionIn(f"dm:notes:{t}"))
    await core.handle(MEERA, TextIn("- read PEP 318\n- [x] install pytest"))
    learner, mentor = await _ids(core)
    nxt = await booked(core, learner, mentor, status="confirmed")
    async with core.uow() as u:
        u.events.append(BookingConfirmed(nxt))
    async with core.uow() as u:
        rows = list(await u.session.scalars(select(Outbox)))
    said: dict[int, str] = {}
    for r in rows:
        said[r.user_id] = said.get(r.user_id, "") + json.dumps(r.reply, ensure_ascii=False)
    # A notice of its own after the confirmation: quiet hours may hold it (core.quiet).
    items = [r for r in rows if "Open action items" in json.dumps(r.reply, ensure_ascii=False)]
    assert [(r.user_id, r.kind) for r in items] == [(learner, "action_items")]
    assert "Open action items from your last notes: read PEP 318" in said[learner]
    assert "install pytest" not in said[learner]
    assert "Open action items" not in said[mentor]


async def test_a_reported_message_is_in_the_admin_queue_until_dismissed(
    db: Database, clock: ManualClock
) -> None:
    core = await make_core(db, clock, admins=["console:boss"])
    learner = await person(core, ASHA)
    mentor = await person(core, MEERA, mentor=True)
    await booked(core, learner, mentor)
    t = await open_thread(core, ASHA)
    await core.dm_said(ASHA, t, "1", "buy my course!!!")
    async with core.uow() as u:
        msg = await u.session.scalar(select(RelayMessage))
    assert msg is not None
    await core.dm_report(MEERA, msg.id, "spam")
    boss = ChatDriver(core, "boss")
    await boss.say("/admin reports")
    assert "Reported direct message" in boss.text() and "buy my course" in boss.text()
    await boss.press("Dismiss")
    assert "dismissed" in boss.text()
    await boss.say("/admin reports")
    assert "Reported direct message" not in boss.text()


async def test_a_block_stops_delivery_both_ways_and_withdraws_intros(pair, clock) -> None:  # type: ignore[no-untyped-def]
    core, bridges = pair
    t = await open_thread(core, ASHA)
    assert await core.dm_said(ASHA, t, "1", "before the block") is None
    await settle(core, clock)
    delivered = sum(len(b.texts(c)) for b in bridges.values() for c in list(b.chats))
    other = await person(core, Actor("slack", "T1", "UX", "Ravi"), mentor=True)
    async with core.uow() as u:
        meera, _ = await u.identity.resolve(MEERA)
        asha, _ = await u.identity.resolve(ASHA)
        u.session.add(DmRequest(learner_id=asha.id, mentor_id=other, text="hi", created_at=u.now))
    async with core.uow() as u:
        assert await u.safety.block(meera.id, asha.id)
        assert await u.safety.block(asha.id, other)
    # Neither side's message goes through any more, in the thread or by a new one.
    assert "blocked" in (await core.dm_said(ASHA, t, "2", "after the block") or "")
    assert "blocked" in (await core.dm_said(MEERA, t, "3", "and back") or "")
    await settle(core, clock)
    assert sum(len(b.texts(c)) for b in bridges.values() for c in list(b.chats)) == delivered
    async with core.uow() as u:
        req = await u.session.scalar(select(DmRequest).where(DmRequest.mentor_id == other))
        assert req is not None and req.state == "withdrawn"
        with pytest.raises(DmError, match="blocked"):
            await u.dms.request_intro(asha, other, "hello again", 3)
    # The ✉️ Message button is gone from the session once blocked.
    listing = await core.handle(ASHA, CommandIn("sessions"))
    with pytest.raises(AssertionError):
        find_button(listing, "Message")


async def test_edits_and_deletes_follow_the_copy_and_a_block_stops_edits(pair, clock) -> None:  # type: ignore[no-untyped-def]
    core, bridges = pair
    t = await open_thread(core, ASHA)
    assert await core.dm_said(ASHA, t, "1", "first words") is None
    assert await core.dm_said(ASHA, t, "2", "second words") is None
    await settle(core, clock)
    assert await core.dm_edited("telegram", "telegram", "111", "1", "first words, fixed")
    assert not await core.dm_edited("telegram", "telegram", "999", "1", "someone else's id")
    await settle(core, clock)
    assert [x.split("\n")[1] for x in bridges["slack"].texts("UMEERA")] == [
        "first words, fixed",
        "second words",
    ]
    async with core.uow() as u:
        meera, _ = await u.identity.resolve(MEERA)
        asha, _ = await u.identity.resolve(ASHA)
        assert await u.safety.block(meera.id, asha.id)
    # Blocked: new words don't reach the other side, but taking one's words back does (called
    # on core here: Telegram itself never reports a delete, Slack and Discord do).
    assert not await core.dm_edited("telegram", "telegram", "111", "2", "edited after the block")
    assert await core.dm_deleted("telegram", "telegram", "111", "1")
    await settle(core, clock)
    assert [x.split("\n")[1] for x in bridges["slack"].texts("UMEERA")] == ["second words"]
