from __future__ import annotations

from bots.telegram.bot import TelegramBot
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser


async def test_start_says_hello(api: FakeBotAPI, tg: TelegramBot) -> None:
    u = TgUser(api, tg, 111, "Asha")
    await u.say("/start")
    assert "What would you like to do?" in u.text(), u.text()
    assert api.commands and api.commands[0]["command"] == "start"
