"""Telegram forum topics linked on their own (issue #15 item 2): `/community link CODE` run in a
topic links that topic, not the group; its messages are relayed and copies are posted into it;
messages of the other topics (and of the General topic) are not relayed; moderation words run
in the topic act on it. The real aiogram stack against the fake Bot API, which knows forums
and refuses a topic that isn't there, as Telegram does; the other side is a RecordingBridge."""

from __future__ import annotations

from typing import Any

import pytest
from aiogram.exceptions import TelegramBadRequest

from bots.telegram.bot import TelegramBot
from core.app import CoreApp
from core.clock import ManualClock
from core.messaging import Actor
from core.ports import ChatRef
from tests.adapters.telegram.conftest import ADMIN_ID
from tests.adapters.telegram.fakeapi import FakeBotAPI, Sent
from tests.adapters.telegram.test_bridge import DC, RAVI, drain
from tests.relay_support import RecordingBridge

FORUM = -100888


async def push(api: FakeBotAPI, tg: TelegramBot, update: dict[str, Any]) -> list[Sent]:
    before = len(api.messages)
    uid = api.push(update)
    await tg.wait_finished(uid, within_s=15)
    return list(api.messages.values())[before:]


@pytest.fixture
async def topic_linked(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> tuple[RecordingBridge, int, int]:
    """A community linked to a Discord channel (recorded) and, by the admin's command run in
    it, to the "python" topic of a forum; "chat" is another topic."""
    admin_actor = Actor("telegram", "telegram", str(ADMIN_ID), "Admin")
    async with tg_core.uow() as u:
        admin, _ = await u.identity.resolve(admin_actor)
        c = await u.communities.create(admin, "Python Learners", "Python people", [], "public")
        code = c.invite_code
        await u.relay.link(admin, c, DC, "#python")
    python, chat = api.add_topic(FORUM, "python"), api.add_topic(FORUM, "chat")
    answer = await push(
        api, tg, api.topic_update(ADMIN_ID, f"/community link {code}", FORUM, python)
    )
    assert any("Linked to Python Learners" in m.plain for m in answer), [m.plain for m in answer]
    discord = RecordingBridge("discord")
    tg_core.relay.register(discord)
    return discord, python, chat


async def test_a_topic_is_linked_on_its_own_and_copies_go_into_it(
    api: FakeBotAPI,
    tg: TelegramBot,
    tg_core: CoreApp,
    clock: ManualClock,
    topic_linked: tuple[RecordingBridge, int, int],
) -> None:
    discord, python, chat = topic_linked
    assert await tg_core.is_linked(ChatRef("telegram", "telegram", str(FORUM), str(python)))
    assert not await tg_core.is_linked(ChatRef("telegram", "telegram", str(FORUM)))

    # In the linked topic: relayed. In another topic, or in General: not.
    await push(api, tg, api.topic_update(707, "asyncio question", FORUM, python, "Om"))
    await push(api, tg, api.topic_update(707, "lunch anyone?", FORUM, chat, "Om"))
    await push(api, tg, api.topic_update(707, "hello general", FORUM, None, "Om"))
    await drain(tg_core, clock)
    assert discord.texts("c1") == ["*Om* · Telegram\nasyncio question"]

    # A copy from Discord goes into the topic, as a reply to Om's message when it is one.
    (dc_copy,) = discord.chats["c1"]
    await tg_core.relay_said(RAVI, DC, "d1", "use a TaskGroup", reply_to=dc_copy)
    await tg_core.relay_said(RAVI, DC, "d2", "or gather")
    await drain(tg_core, clock)
    copies = [m for m in api.chat_messages(FORUM) if "Ravi" in m.html]
    assert [(m.plain.split("\n")[1], m.thread_id) for m in copies] == [
        ("use a TaskGroup", python),
        ("or gather", python),
    ]
    assert copies[0].reply_to_id is not None and copies[1].reply_to_id is None

    # The topic's first message is not a parent: a plain message there is no reply.
    (om_shown,) = discord.chats["c1"].values()
    assert om_shown.reply_to is None

    # Moderation words run in the topic act on it: the admin replies to the copy with
    # /community delete, and Ravi's message goes everywhere.
    update = api.topic_update(ADMIN_ID, "/community delete", FORUM, python, "Admin")
    update["message"]["reply_to_message"] = api.message_json(copies[1])
    answer = await push(api, tg, update)
    assert any("Deleted everywhere" in m.plain for m in answer), [m.plain for m in answer]
    await drain(tg_core, clock)
    assert copies[1].deleted and ("delete", "c1") in [(op, c) for op, c, _ in discord.calls]

    # In the other topic the same words say it isn't linked.
    answer = await push(api, tg, api.topic_update(ADMIN_ID, "/community unlink", FORUM, chat))
    assert any("isn't linked" in m.plain for m in answer), [m.plain for m in answer]


async def test_the_fake_refuses_a_topic_that_is_not_there(api: FakeBotAPI, tg: TelegramBot) -> None:
    topic = api.add_topic(FORUM, "python")
    await tg.bot.send_message(FORUM, "fine", message_thread_id=topic)
    with pytest.raises(TelegramBadRequest, match="thread not found"):
        await tg.bot.send_message(FORUM, "no such topic", message_thread_id=topic + 100)
    with pytest.raises(TelegramBadRequest, match="thread not found"):
        await tg.bot.send_message(-100777, "not a forum", message_thread_id=topic)
