"""A long reply reaches Telegram whole, as several messages within 4,096, keyboard last."""

from __future__ import annotations

from aiogram.exceptions import TelegramBadRequest
from sqlalchemy import select

from bots.telegram.bot import TelegramBot
from core.app import CoreApp
from core.db.schema import Account
from core.delivery import enqueue
from core.messaging import Button, Reply
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser
from tests.long_text import long_reply_text, sent_in_full


async def test_a_reply_of_over_10000_characters_arrives_in_parts_with_the_keyboard_on_the_last(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    u = TgUser(api, tg, 444, "Meera")
    await u.say("/start")
    before = len(api.chat_messages(444))
    text = long_reply_text()
    async with tg_core.db.transaction() as s:
        acc = await s.scalar(select(Account).where(Account.external_id == "444"))
        assert acc is not None
        ids = await enqueue(
            s,
            acc.user_id,
            [Reply(text, buttons=((Button("Book", "bk:slot:1"), Button("Later", "bk:no:1")),))],
            tg_core.clock.now(),
        )
    assert await tg_core.delivery.flush(ids) == 1  # the fake refuses anything over 4,096
    parts = api.chat_messages(444)[before:]
    assert len(parts) >= 3
    assert all(m.kind == "text" and m.plain.strip() for m in parts)
    assert sent_in_full([m.plain for m in parts], text)
    assert [m.buttons() for m in parts[:-1]] == [[]] * (len(parts) - 1)
    assert [b["text"] for b in parts[-1].buttons()] == ["Book", "Later"]


async def test_the_fake_refuses_a_message_over_4096_as_telegram_does(
    api: FakeBotAPI, tg: TelegramBot
) -> None:
    try:
        await tg.bot.send_message(444, "x" * 4097)
    except TelegramBadRequest as exc:
        assert "message is too long" in str(exc)
    else:
        raise AssertionError("a 4,097-character message was taken")
    await tg.bot.send_message(444, "&amp;" * 4096)  # 4,096 characters once parsed
