"""Group chats: keyboards belong to whoever asked; personal steps move to the DM."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bots.telegram.bot import TelegramBot
from core.app import CoreApp
from core.db.schema import Conversation, MentorProfile
from tests.adapters.telegram.fakeapi import FakeBotAPI, Sent
from tests.adapters.telegram.tguser import TgUser
from tests.unit.dialog_helpers import apply_as_mentor

GROUP = -100500


async def _mentors(core: CoreApp) -> None:
    await apply_as_mentor(core, "anu", skills="Python: advanced", years="8")
    await apply_as_mentor(core, "bob", skills="Python: intermediate", years="2")
    async with core.db.transaction() as s:
        for mp in await s.scalars(select(MentorProfile)):
            mp.status = "approved"


def _state(msg: Sent) -> tuple[str, Any, int]:
    return msg.html, msg.reply_markup, msg.edits


async def _conversations(core: CoreApp, telegram_id: int) -> int:
    async with core.db.transaction() as s:
        rows = await s.scalars(
            select(Conversation).where(
                Conversation.platform == "telegram", Conversation.external_id == str(telegram_id)
            )
        )
        return len(list(rows))


async def test_only_the_person_who_asked_can_press_a_group_keyboard(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    await _mentors(tg_core)
    om = TgUser(api, tg, 707, "Om", chat_id=GROUP, username="om_k")
    raj = TgUser(api, tg, 808, "Raj", chat_id=GROUP)
    await om.say("/find python")
    [results] = [m for m in om.last if m.buttons()]
    # The answer is a reply to Om's command: that is what ties the keyboard to Om.
    assert results.reply_to is not None and results.reply_to["from"]["id"] == 707
    before, count = _state(results), len(api.chat_messages(GROUP))

    # Raj presses Om's buttons: an alert for Raj, and nothing else happens.
    for label in ("Sort:", "Language", "👤"):
        await raj.press(label)
        assert api.alerts[-1]["show_alert"] is True
        assert api.alerts[-1]["text"].startswith("This button is for @om_k.")
        assert _state(results) == before and len(api.chat_messages(GROUP)) == count
    assert await _conversations(tg_core, 808) == 0  # Raj's press never reached a dialog

    # Om's own press works as in a private chat (the list is re-sorted in place).
    await om.press("Sort:")
    assert api.alerts[-1] == {"id": api.alerts[-1]["id"], "text": "", "show_alert": False}
    assert results.edits == 1 and "sorted by" in results.plain

    # Om opens a profile: still in the group, still Om's.
    await om.press("👤")
    [profile] = [m for m in om.last if "Reviews" in m.plain]
    assert profile.reply_to is not None and profile.reply_to["from"]["id"] == 707
    await raj.press("Book")
    assert api.alerts[-1]["text"].startswith("This button is for @om_k.")
    # Booking is personal: it moves to Om's DM, opened at that mentor's profile.
    await om.press("Book")
    assert "private chat" in om.text()
    [button] = om.last[0].buttons()
    assert button["url"].startswith(f"https://t.me/{api.username}?start=book_")
    mentor_id = int(button["url"].rsplit("_", 1)[1])
    dm = TgUser(api, tg, 707, "Om")
    await dm.say(f"/start book_{mentor_id}")
    assert "Book a session" in " ".join(b["text"] for m in dm.last for b in m.buttons())
    # Every press was answered exactly once (the fake refuses a second answer).
    presses = sum(1 for m, _ in api.calls if m == "answerCallbackQuery")
    assert presses == len(api.alerts) == len(set(api.callback_answers))


async def test_group_keyboard_without_an_owner_has_expired(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    await _mentors(tg_core)
    om = TgUser(api, tg, 707, "Om", chat_id=GROUP)
    await om.say("/find python")
    [results] = [m for m in om.last if m.buttons()]
    # A keyboard whose asking message is unknown (sent before threads, or the question
    # was deleted) can't be proven to be Om's: expired, for everyone.
    results.reply_to = None
    await om.press("Sort:")
    assert api.alerts[-1]["show_alert"] is True
    assert "expired" in api.alerts[-1]["text"] and results.edits == 0
    # Telegram sends only the chat and id of messages older than 48 hours.
    _, data = om.button("Sort:")
    update = api.press_update(707, results, data)
    update["callback_query"]["message"] = {
        "chat": {"id": GROUP, "type": "supergroup"},
        "message_id": results.message_id,
        "date": 0,
    }
    await om.send_update(update)
    assert "expired" in api.alerts[-1]["text"] and results.edits == 0


async def test_group_redirect_and_help_reply_to_the_asker(api: FakeBotAPI, tg: TelegramBot) -> None:
    om = TgUser(api, tg, 707, "Om", chat_id=GROUP)
    await om.say(f"/sessions@{api.username}")
    [redirect] = om.last
    assert "private chat" in redirect.plain and redirect.reply_to is not None
    assert redirect.buttons()[0]["url"].endswith("?start=menu")
    await om.say("/help")
    assert all(m.reply_to is not None for m in om.last)
    # A t.me deep link opened in the group carries over to the DM; a link code does not.
    await om.say(f"/start@{api.username} book_7")
    assert om.last[0].buttons()[0]["url"].endswith("?start=book_7")
    await om.say(f"/start@{api.username} link_ABCD1234")
    assert om.last[0].buttons()[0]["url"].endswith("?start=menu")
    # In a private chat nothing is sent as a reply.
    dm = TgUser(api, tg, 707, "Om")
    await dm.say("/help")
    assert all(m.reply_to is None for m in dm.last)
