"""Telegram asks for the update types the bot handles, and only those arrive; the bot
added to a group greets it, removed from one records that it is gone."""

from __future__ import annotations

import pytest
from aiogram import Bot
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest, TelegramConflictError

from bots.telegram.bot import TelegramBot, update_types
from core.app import CoreApp
from core.services.places import PlaceInfo
from tests.adapters.telegram.fakeapi import FakeBotAPI

GROUP = -100777
HANDLED = ["callback_query", "edited_message", "message", "my_chat_member"]


async def _place(core: CoreApp, chat_id: int) -> PlaceInfo | None:
    async with core.uow() as u:
        return await u.places.get("telegram", "telegram", str(chat_id))


def _welcomes(api: FakeBotAPI, chat_id: int) -> int:
    return sum("A community can be linked" in m.plain for m in api.chat_messages(chat_id))


async def test_polling_asks_for_exactly_what_the_dispatcher_handles(
    api: FakeBotAPI, tg: TelegramBot
) -> None:
    assert update_types() == tg.dp.resolve_used_update_types() == HANDLED
    await api.wait_calls("getUpdates")
    asked = [p.get("allowed_updates") for m, p in api.calls if m == "getUpdates"]
    assert asked and all(a == HANDLED for a in asked)
    assert api.allowed_updates == HANDLED


async def test_the_fake_sends_only_the_types_asked_for(api: FakeBotAPI) -> None:
    """Without this, a bot asking for too little (as it once did: no my_chat_member) would
    still get every update from the fake and the gap would never show."""
    bot = Bot(api.token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.url)))
    try:
        api.push(api.membership_update(GROUP, "left", "member"))
        text = api.push(api.text_update(5, "hi"))
        got = await bot.get_updates(timeout=0, allowed_updates=["message"])
        assert [u.update_id for u in got] == [text]
        assert [d["update_id"] for d in api.dropped] == [text - 1]
        # Not given again: the last list still holds.
        api.push(api.membership_update(GROUP, "member", "left"))
        assert await bot.get_updates(offset=text + 1, timeout=0) == []
        assert len(api.dropped) == 2
    finally:
        await bot.session.close()


async def test_added_to_a_group_greets_it_once_and_records_the_place(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    uid = api.push(api.membership_update(GROUP, "left", "member", title="React learners"))
    await tg.wait_finished(uid)
    [hello] = api.chat_messages(GROUP)
    assert "/find SKILL — find a mentor by skill" in hello.plain
    assert "/help" in hello.plain and "A community can be linked" in hello.plain
    info = await _place(tg_core, GROUP)
    assert info is not None and info.active and info.place.title == "React learners"

    # Made an admin: still in the group, nothing new to say.
    uid = api.push(api.membership_update(GROUP, "member", "administrator"))
    await tg.wait_finished(uid)
    assert _welcomes(api, GROUP) == 1


async def test_removed_or_kicked_from_a_group_is_recorded_inactive(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    for chat, gone in ((GROUP, "left"), (GROUP - 1, "kicked")):
        uid = api.push(api.membership_update(chat, "left", "member"))
        await tg.wait_finished(uid)
        uid = api.push(api.membership_update(chat, "administrator", gone))
        await tg.wait_finished(uid)
        info = await _place(tg_core, chat)
        assert info is not None and not info.active, chat
        assert _welcomes(api, chat) == 1  # nothing posted on the way out (it can't be)
    async with tg_core.uow() as u:
        assert await u.places.active("telegram", "telegram") == []
    # Added back: active again, and greeted again.
    uid = api.push(api.membership_update(GROUP, "kicked", "member"))
    await tg.wait_finished(uid)
    info = await _place(tg_core, GROUP)
    assert info is not None and info.active and _welcomes(api, GROUP) == 2


async def test_a_private_chat_blocked_is_no_place(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    uid = api.push(api.membership_update(4242, "member", "kicked", by=4242))
    await tg.wait_finished(uid)
    assert await _place(tg_core, 4242) is None
    assert api.chat_messages(4242) == []


async def test_updates_of_other_types_never_reach_a_polling_bot(
    api: FakeBotAPI, tg: TelegramBot
) -> None:
    await api.wait_calls("getUpdates")
    # A channel's post: the bot never asks for those (edits of group messages it does ask for,
    # for the community bridge).
    post = api.text_update(5, "posted")
    skipped = api.push({"channel_post": post["message"]})
    uid = api.push(api.text_update(5, "/help"))
    await tg.wait_finished(uid)
    assert skipped not in tg.finished
    assert any(d["update_id"] == skipped for d in api.dropped)


async def test_the_fake_refuses_get_updates_while_a_webhook_is_set(api: FakeBotAPI) -> None:
    """As Telegram does; it is why polling mode deletes the webhook first."""
    bot = Bot(api.token, session=AiohttpSession(api=TelegramAPIServer.from_base(api.url)))
    try:
        await bot.set_webhook("https://mentorbot.example.org/webhooks/telegram")
        with pytest.raises(TelegramConflictError, match="webhook is active"):
            await bot.get_updates(timeout=0)
        with pytest.raises(TelegramBadRequest, match="HTTPS URL must be provided"):
            await bot.set_webhook("http://127.0.0.1:8080/webhooks/telegram")
        await bot.delete_webhook()
        assert await bot.get_updates(timeout=0) == []
    finally:
        await bot.session.close()
