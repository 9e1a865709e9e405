"""Files both ways: photos and documents people send, and the CSV statement as a document."""

from __future__ import annotations

from bots.telegram.bot import TelegramBot
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser
from tests.support import onboard_learner


async def _onboard(u: TgUser) -> None:
    await onboard_learner(u, u.name)


async def test_a_photo_mid_dialog_gets_a_hint_and_the_same_question(
    api: FakeBotAPI, tg: TelegramBot
) -> None:
    u = TgUser(api, tg, 121, "Isha")
    await u.say("/start")
    await u.press("Learn")
    photo = api.text_update(121, "x")
    del photo["message"]["text"]
    photo["message"]["photo"] = [
        {"file_id": "small", "file_unique_id": "s", "width": 90, "height": 90},
        {"file_id": "big", "file_unique_id": "b", "width": 800, "height": 800},
    ]
    photo["message"]["caption"] = "this is me"
    await u.send_update(photo)
    assert "can't use files here yet" in u.text() and "call you" in u.text()


async def test_wallet_statement_arrives_as_a_csv_document(api: FakeBotAPI, tg: TelegramBot) -> None:
    u = TgUser(api, tg, 131, "Kabir")
    await _onboard(u)
    await u.say("/wallet")
    await u.press("Export CSV")
    [doc] = [m for m in u.last if m.kind == "document"]
    assert doc.filename.startswith("mentorbot-statement-") and doc.filename.endswith(".csv")
    assert doc.data.splitlines()[0].startswith(b"date")
    assert "Your statement" in doc.plain  # the short text rides as the caption
    assert api.count("answerCallbackQuery") == len(api.callback_answers)
