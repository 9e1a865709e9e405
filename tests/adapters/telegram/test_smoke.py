from __future__ import annotations

import asyncio

from bots.telegram.bot import TelegramBot
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser


async def test_start_says_hello(api: FakeBotAPI, tg: TelegramBot) -> None:
    u = TgUser(api, tg, 111, "Asha")
    await u.say("/start")
    assert "What would you like to do?" in u.text(), u.text()
    assert api.commands and api.commands[0]["command"] == "start"
    # Groups are offered only the commands that run there.
    assert [c["command"] for c in api.scoped_commands["all_group_chats"]] == ["find", "community", "help"]


async def test_polling_keeps_a_press_and_the_next_message_in_order(
    api: FakeBotAPI, tg: TelegramBot
) -> None:
    u = TgUser(api, tg, 141, "Dev")
    await u.say("/start")
    msg, data = u.button("Learn")
    held = api.hold("answerCallbackQuery", 0)  # the press is slow to be acknowledged
    press = api.push(api.press_update(141, msg, data))
    await asyncio.wait_for(held.entered.wait(), 10)
    name = api.push(api.text_update(141, "Dev Patel", first_name="Dev"))
    # aiogram polls past the text only after handing it over to its own task.
    await api.wait_polled_past(name)
    # The text waits for the press to finish, instead of overtaking it.
    await asyncio.wait_for(tg.order.wait_parked(141), 10)
    assert tg.order.queued(141) == 2 and name not in tg.finished
    held.release.set()
    await tg.wait_finished(name)
    assert press in tg.finished
    texts = [m.plain for m in api.chat_messages(141)]
    # The press chose the role, then the text answered "what should I call you".
    assert not any("Please choose" in t for t in texts), texts
    assert "Nice to meet you" in texts[-1] or "Dev Patel" in "\n".join(texts[-2:]), texts
    assert tg.order.queued(141) == 0
