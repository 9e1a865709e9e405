"""Flood control and unreachable users, through the real aiogram session."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bots.telegram.bot import TelegramBot
from bots.telegram.flood import Pacer, Timer
from core.app import CoreApp
from core.db.schema import Account
from core.delivery import enqueue
from core.messaging import Attachment, Button, Image, Reply
from tests.adapters.telegram.fakeapi import Failure, FakeBotAPI
from tests.adapters.telegram.tguser import FakeTime, TgUser


async def test_429_retry_after_is_waited_out_and_retried_once(
    api: FakeBotAPI, tg: TelegramBot, fake_time: FakeTime
) -> None:
    api.fail["sendMessage"] = [Failure(429, "Too Many Requests: retry after 2", retry_after=2)]
    u = TgUser(api, tg, 111, "Asha")
    await u.say("/start")
    assert fake_time.sleeps == [2.0]
    sends = [p["text"] for m, p in api.calls if m == "sendMessage"]
    # The refused message and its single retry, then the rest of the reply.
    assert len(sends) == len(api.chat_messages(111)) + 1
    assert sends[0] == sends[1]
    assert "What would you like to do?" in u.text()


async def test_pacing_per_chat_and_overall() -> None:
    t = FakeTime()
    pacer = Pacer(timer=t.timer)
    for _ in range(5):
        await pacer.wait(1)
    assert t.sleeps == [1.0, 1.0]  # a burst of 3, then about 1/s in that chat
    t.sleeps.clear()
    await pacer.wait(2)
    assert t.sleeps == []  # another chat isn't held back by the first
    t2 = FakeTime()
    pacer = Pacer(timer=t2.timer)
    for chat in range(40):
        await pacer.wait(chat)
    assert len(t2.sleeps) == 10  # 30 at once overall, then ~1/30 s apart
    assert all(abs(s - 1 / 30) < 1e-9 for s in t2.sleeps)


async def test_a_waiting_chat_does_not_block_others() -> None:
    release = asyncio.Event()
    clock = [0.0]

    async def slow_sleep(seconds: float) -> None:
        await release.wait()
        clock[0] += seconds

    pacer = Pacer(timer=Timer(monotonic=lambda: clock[0], sleep=slow_sleep))
    for _ in range(3):
        await pacer.wait(1)
    held = asyncio.create_task(pacer.wait(1))  # the 4th message in chat 1 must wait
    await asyncio.sleep(0)
    await asyncio.wait_for(pacer.wait(2), 1.0)  # chat 2 goes straight through
    assert not held.done()
    release.set()
    await asyncio.wait_for(held, 1.0)


async def test_blocked_user_is_marked_unreachable_not_retried(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    u = TgUser(api, tg, 222, "Ravi")
    await u.say("/start")
    async with tg_core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == "222"))
        assert acc is not None
        account_id, user_id = acc.id, acc.user_id
        ids = await enqueue(
            s, user_id, [Reply("Your session starts in 15 minutes")], tg_core.clock.now()
        )
    api.fail["sendMessage"] = [Failure(403, "Forbidden: bot was blocked by the user")]
    sent_before = api.count("sendMessage")
    assert await tg_core.delivery.flush(ids) == 0
    async with tg_core.db.transaction() as s:
        acc = await s.get(Account, account_id)
        assert acc is not None and acc.unreachable
    assert await tg_core.delivery.flush() == 0
    assert api.count("sendMessage") == sent_before + 1  # tried once, then left alone
    # Unblocking and writing again makes them reachable; the held notification follows.
    await u.say("/menu")
    assert await tg_core.delivery.flush(account_id=account_id) == 1
    assert "starts in 15 minutes" in api.chat_messages(222)[-1].plain


async def test_notifications_with_photo_and_file_reach_telegram(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    u = TgUser(api, tg, 333, "Kiran")
    await u.say("/start")
    async with tg_core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == "333"))
        assert acc is not None
        ids = await enqueue(
            s,
            acc.user_id,
            [
                Reply("Your *QR* code", image=Image(b"\x89PNG-bytes", "QR")),
                Reply(
                    "Booked & confirmed",
                    attachment=Attachment("session.ics", "text/calendar", b"BEGIN:VCALENDAR"),
                    buttons=((Button("Cancel", "bk:cancel:1"),),),
                ),
            ],
            tg_core.clock.now(),
        )
    assert await tg_core.delivery.flush(ids) == 2
    photo, doc = api.chat_messages(333)[-2:]
    assert (photo.kind, photo.html, photo.data) == (
        "photo",
        "Your <b>QR</b> code",
        b"\x89PNG-bytes",
    )
    assert (doc.kind, doc.filename, doc.data) == ("document", "session.ics", b"BEGIN:VCALENDAR")
    assert doc.html == "Booked &amp; confirmed"
    assert doc.buttons() == [{"text": "Cancel", "callback_data": "bk:cancel:1"}]
