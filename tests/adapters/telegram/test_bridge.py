"""A Telegram group linked to a community (issue #15), with the real aiogram stack against the
fake Bot API: `/community link CODE` in the group, messages, replies, edits, photos and files
both ways, deletes of copies, a 429 answered later exactly once. The other side is a
RecordingBridge standing in for Discord (its own SDK stack is tested in tests/adapters/discord)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bots.telegram.bot import TelegramBot
from bots.telegram.inbound import deep_link
from core.app import CoreApp
from core.booking.payloads import Bk
from core.clock import ManualClock
from core.db.posts import PostHelpfulMark
from core.db.schema import User
from core.dialogs.posts import Oh
from core.messaging import ActionIn, Actor, Button, CommandIn
from core.ports import ChatRef
from core.services.relay import Upload
from tests.adapters.telegram.conftest import ADMIN_ID
from tests.adapters.telegram.fakeapi import Failure, FakeBotAPI
from tests.adapters.telegram.tguser import TgUser
from tests.booking_support import add_mentor
from tests.relay_support import RecordingBridge

GROUP = -100777
DC = ChatRef("discord", "guild1", "c1")
RAVI = Actor("discord", "guild1", "ravi", "Ravi")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


async def drain(core: CoreApp, clock: ManualClock) -> None:
    for _ in range(10):
        n = await core.relay.drain()
        clock.advance(timedelta(seconds=10))
        if n == 0:
            return


@pytest.fixture
async def linked(api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp) -> RecordingBridge:
    admin_actor = Actor("telegram", "telegram", str(ADMIN_ID), "Admin")
    async with tg_core.uow() as u:
        admin, _ = await u.identity.resolve(admin_actor)
        c = await u.communities.create(admin, "Python Learners", "Python people", [], "public")
        code = c.invite_code
        community = await u.communities.by_code(code)
        assert community is not None
        await u.relay.link(admin, community, DC, "#python")
    boss = TgUser(api, tg, ADMIN_ID, "Admin", chat_id=GROUP)
    await boss.say(f"/community link {code}")
    assert "Linked to Python Learners" in boss.text() and "/c/python-learners" in boss.text()
    discord = RecordingBridge("discord")
    tg_core.relay.register(discord)
    return discord


async def test_group_messages_reach_the_community_and_copies_come_back(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp, clock: ManualClock, linked: RecordingBridge
) -> None:
    om = TgUser(api, tg, 707, "Om", chat_id=GROUP)
    answered = await om.say("anyone know <b>asyncio</b> & friends?")
    assert answered == []  # the bot says nothing in the group itself
    await drain(tg_core, clock)
    (copy,) = linked.texts("c1")
    assert copy == "*Om* · Telegram\nanyone know <b>asyncio</b> & friends?"
    om_message = max(mid for (chat, mid) in api.inbox if chat == GROUP)

    # Ravi answers on Discord, replying to the copy there: a reply to Om's message here.
    (dc_copy,) = linked.chats["c1"]
    await tg_core.relay_said(RAVI, DC, "d1", "use *TaskGroup* <3", reply_to=dc_copy)
    await drain(tg_core, clock)
    (answer,) = [m for m in api.chat_messages(GROUP) if "Ravi" in m.html]
    assert answer.html == "<b>Ravi</b> · Discord\nuse *TaskGroup* &lt;3"
    assert answer.reply_to_id == om_message

    # Om edits his message: the Discord copy follows.
    edited = api.text_update(707, "anyone know asyncio?", chat_id=GROUP, first_name="Om")
    edited["message"]["message_id"] = om_message
    uid = api.push({"edited_message": {**edited["message"], "edit_date": 1_790_000_100}})
    await tg.wait_finished(uid)
    await drain(tg_core, clock)
    assert linked.texts("c1")[0] == "*Om* · Telegram\nanyone know asyncio?"

    # Ravi edits, then deletes, on Discord: the copy here is edited, then deleted.
    await tg_core.relay_edited(DC, "d1", "use asyncio.TaskGroup")
    await drain(tg_core, clock)
    assert answer.html == "<b>Ravi</b> · Discord\nuse asyncio.TaskGroup"
    await tg_core.relay_deleted(DC, "d1")
    await drain(tg_core, clock)
    assert answer.deleted


async def test_photos_and_files_are_reuploaded_both_ways(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp, clock: ManualClock, linked: RecordingBridge
) -> None:
    api.files["ph1"] = PNG
    update = api.text_update(707, "", chat_id=GROUP, first_name="Om")
    msg = update["message"]
    del msg["text"]
    msg["caption"] = "my diagram"
    msg["photo"] = [{"file_id": "ph1", "file_unique_id": "uph1", "width": 9, "height": 9,
                     "file_size": len(PNG)}]  # fmt: skip
    uid = api.push(update)
    await tg.wait_finished(uid)
    await drain(tg_core, clock)
    (shown,) = linked.chats["c1"].values()
    assert shown.file == "photo.jpg" and shown.text.endswith("my diagram")

    await tg_core.relay_said(
        RAVI, DC, "d2", "notes", upload=Upload("notes.pdf", "application/pdf", b"%PDF-1.4 x")
    )
    await tg_core.relay_said(RAVI, DC, "d3", "", upload=Upload("chart.png", "image/png", PNG))
    await drain(tg_core, clock)
    doc = next(m for m in api.chat_messages(GROUP) if m.kind == "document")
    assert doc.filename == "notes.pdf" and doc.data == b"%PDF-1.4 x" and "notes" in doc.html
    photo = next(m for m in api.chat_messages(GROUP) if m.kind == "photo")
    assert photo.data == PNG and photo.html == "<b>Ravi</b> · Discord"


async def test_a_429_is_answered_later_exactly_once(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp, clock: ManualClock, linked: RecordingBridge
) -> None:
    api.fail["sendMessage"] = [Failure(429, "Too Many Requests: retry after 7", retry_after=7)]
    await tg_core.relay_said(RAVI, DC, "d1", "hello group")
    assert await tg_core.relay.drain() == 0
    assert not [m for m in api.chat_messages(GROUP) if "hello group" in m.html]
    clock.advance(timedelta(seconds=3))
    assert await tg_core.relay.drain() == 0  # still inside retry_after
    clock.advance(timedelta(seconds=5))
    assert await tg_core.relay.drain() == 1
    await drain(tg_core, clock)
    assert len([m for m in api.chat_messages(GROUP) if "hello group" in m.html]) == 1


async def test_an_unlinked_group_is_not_relayed_and_a_kicked_bot_stops_the_queue(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp, clock: ManualClock, linked: RecordingBridge
) -> None:
    other = TgUser(api, tg, 707, "Om", chat_id=-100999)
    await other.say("just us here")
    await drain(tg_core, clock)
    assert linked.texts("c1") == []
    api.fail["sendMessage"] = [Failure(403, "Forbidden: bot was kicked from the supergroup chat")]
    await tg_core.relay_said(RAVI, DC, "d1", "into the void")
    await tg_core.relay_said(RAVI, DC, "d2", "and again")
    await drain(tg_core, clock)
    assert [m for m in api.chat_messages(GROUP) if "void" in m.html or "again" in m.html] == []
    assert not await tg_core.is_linked(ChatRef("telegram", "telegram", str(GROUP)))


async def test_announcement_buttons_in_the_group_open_each_pressers_dm(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp, clock: ManualClock, linked: RecordingBridge
) -> None:
    """A mentor's post and office hours arrive in the group with their buttons; anyone in the
    group may press them (they are nobody's keyboard) and continues in a private chat."""
    async with tg_core.uow() as u:
        mentor_id = await add_mentor(u.session, "Meera", clock.now())
        mentor = await u.session.get(User, mentor_id)
        assert mentor is not None
        community = await u.communities.by_slug("python-learners")
        assert community is not None
        await u.communities.join(mentor, community.id)
        book = ((Button("📅 Book this mentor", Bk("book", mentor_id).pack()),),)
        await u.posts.publish(mentor, "Comprehensions", "Use them when the loop builds a list.",
                              [], book)  # fmt: skip
        offer = await u.bookings.offering(mentor_id)
        assert offer is not None
        at = int((await u.bookings.free_slots(offer, mentor_id, 10))[0].timestamp())
        slot = ((Button("📅 Mon 18:00", Oh(mentor_id, at, 10).pack()),),)
        await u.posts.office_hours(mentor, community.id, "🕒 *Office hours*", slot)
    await drain(tg_core, clock)
    post, hours = [m for m in api.chat_messages(GROUP) if m.buttons()]
    assert "📝 <b>Comprehensions</b>" in post.html
    assert [b["text"] for b in post.buttons()] == ["📅 Book this mentor", "👍 Helpful"]
    assert "<b>Office hours</b>" in hours.html
    raj = TgUser(api, tg, 808, "Raj", chat_id=GROUP)
    # "Helpful" acts in place: the thanks pops up over the group for Raj alone.
    in_group = len(api.chat_messages(GROUP))
    await raj.press("Helpful")
    assert api.alerts[-1]["text"] == "👍 Thanks, marked “Comprehensions” helpful."
    assert api.alerts[-1]["show_alert"] is False
    await raj.press("Helpful")
    assert api.alerts[-1]["text"] == "You've already marked “Comprehensions” helpful."
    assert len(api.chat_messages(GROUP)) == in_group  # nothing posted to everyone
    async with tg_core.db.transaction() as s:
        assert len(list(await s.scalars(select(PostHelpfulMark)))) == 1
    await raj.press("Book this mentor")
    assert "private chat" in raj.text()
    (link,) = raj.last[0].buttons()
    assert link["url"] == f"https://t.me/{api.username}?start=book_{mentor_id}"
    await raj.press("Mon 18:00")
    (link,) = raj.last[0].buttons()
    assert link["url"] == f"https://t.me/{api.username}?start=hours_{mentor_id}_{at}_10"
    # The DM link opens booking with that mentor (a newcomer is asked a few questions first).
    dm = TgUser(api, tg, 808, "Raj")
    await dm.say(f"/start hours_{mentor_id}_{at}_10")
    assert "Before you book" in dm.text()
    assert deep_link(CommandIn("start", f"hours_{mentor_id}_{at}_10")) == ActionIn(
        Oh(mentor_id, at, 10).pack()
    )
