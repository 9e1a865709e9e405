"""Whole dialogs through Telegram: fake Bot API -> aiogram polling -> core -> sendMessage."""

from __future__ import annotations

from sqlalchemy import select

from bots.telegram.bot import TelegramBot
from core.app import CoreApp
from core.db.schema import Account, MentorProfile, User
from tests.adapters.telegram.conftest import ADMIN_ID
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser
from tests.support import ChatDriver, answer_age


async def _user_of(core: CoreApp, telegram_id: int) -> User:
    async with core.db.transaction() as s:
        acc = await s.scalar(
            select(Account).where(
                Account.platform == "telegram", Account.external_id == str(telegram_id)
            )
        )
        assert acc is not None
        user = await s.get(User, acc.user_id)
        assert user is not None
        return user


async def test_learner_with_misspelt_skill_and_wrong_time_zone(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    u = TgUser(api, tg, 101, "Bharat")
    await u.say("/start")
    assert "What would you like to do?" in u.text()
    await u.press("Learn")
    # The pressed question keeps its text and shows the answer instead of its buttons.
    folded = u.last[0]
    assert folded.reply_markup is None and "» 📚 Learn" in folded.plain
    assert "call you" in u.text()
    await u.say("Bharat <Dev> & co")
    await answer_age(u, "19")
    await u.say("kuberntes")
    assert "“kuberntes” → Kubernetes" in u.text()
    await u.press("Beginner")
    assert "Got it: Kubernetes (beginner)." in u.text()
    await u.press("Skip")
    await u.press("English")
    await u.say("Atlantis")
    assert "couldn't find a time zone" in u.text()
    await u.say("Pune")
    assert "Asia/Kolkata" in u.text()
    await u.press("Skip")
    assert "All set" in u.text()
    user = await _user_of(tg_core, 101)
    assert user.onboarded and user.timezone == "Asia/Kolkata"
    assert user.display_name == "Bharat <Dev> & co"
    await u.say("/profile")
    # Telegram HTML: the name is escaped, the markup is real.
    assert any("Bharat &lt;Dev&gt; &amp; co" in m.html for m in u.last)
    assert any("<b>" in m.html for m in u.last)


async def test_mentor_applies_and_telegram_admin_approves(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    admin = TgUser(api, tg, ADMIN_ID, "Admin")
    await admin.say("/menu")
    assert "Admin" in " ".join(b["text"] for m in admin.last for b in m.buttons())

    a = TgUser(api, tg, 202, "Anita")
    await a.say("/start")
    await a.press("Mentor")
    await a.say("Anita Desai")
    await answer_age(a)
    await a.say("Kubernetes: advanced, Docker")
    await a.press("Advanced")
    await a.say("English, Hindi")
    await a.say("Pune")
    await a.press("Weekday evenings")
    await a.say("SRE at Razorpay · Kubernetes and Docker")
    await a.say("I run production clusters and love helping people debug their first deployments.")
    await a.say("6")
    await a.press("₹100")
    await a.press("10, 20")
    await a.press("Skip")
    assert "with the admins" in a.text()

    # The admin got the application as a bot message with buttons, and approves it.
    note = api.chat_messages(ADMIN_ID)[-1]
    assert "New mentor application" in note.plain and "Anita Desai" in note.plain
    admin.last = [note]
    await admin.press("Approve")
    assert "Approved Anita Desai" in admin.text()
    assert "approved" in api.chat_messages(202)[-1].plain

    # A deep link t.me/bot?start=book_<id> opens that mentor's profile.
    mentor = await _user_of(tg_core, 202)
    async with tg_core.db.transaction() as s:
        mp = await s.get(MentorProfile, mentor.id)
        assert mp is not None and mp.status == "approved"
    b = TgUser(api, tg, 303, "Lina")
    await b.say(f"/start book_{mentor.id}")
    assert "SRE at Razorpay" in b.text() and "Reviews" in b.text()

    # Find -> re-sort edits the result list in place -> open the profile.
    await b.say("/cancel")
    await b.say("/find kuberntes")
    [results] = [m for m in b.last if "Kubernetes mentors" in m.plain]
    await b.press("Sort:")
    assert [m.message_id for m in b.last] == [results.message_id]
    assert results.edits == 1 and "sorted by" in results.plain
    await b.press("Anita")
    assert "SRE at Razorpay" in b.text()


async def test_cancel_mid_dialog_and_stale_buttons(api: FakeBotAPI, tg: TelegramBot) -> None:
    u = TgUser(api, tg, 404, "Neha")
    first = await u.say("/start")
    await u.press("Learn")
    await u.say("Neha")
    await u.say("/cancel")
    assert "Cancelled setting up your profile" in u.text()
    # An old keyboard (sent before /cancel) is handled, not crashed on.
    u.last = first
    await u.say("/help")
    assert "/find" in u.text()


async def test_garbage_at_each_step(api: FakeBotAPI, tg: TelegramBot) -> None:
    await TgUser(api, tg, ADMIN_ID, "Admin").say("/menu")
    u = TgUser(api, tg, 505, "Ravi")
    await u.say("/start")
    await u.say("maybe")
    assert "Please choose Learn, Mentor or Both." in u.text()
    await u.say("<script>alert(1)</script> & ☃")
    assert "Please choose Learn, Mentor or Both." in u.text()
    await u.say("both")
    await u.say("x")
    assert "2 to 60 characters" in u.text()
    await u.press("Keep")
    await u.say("old enough")
    assert "Please choose your age group" in u.text()
    await u.press("18 or older")
    await u.say("react.js: expert")
    assert "Got it: React (advanced)" in u.text()
    await u.say("Python: guru")
    assert "'guru' isn't a level I know" in u.text()
    await u.press("Advanced")
    await u.say("ab")
    assert "Tell me a little more" in u.text()
    await u.press("Skip")
    await u.say("Klingon")
    assert "I don't know the language “Klingon”" in u.text()
    await u.say("englsh")
    await u.say("Atlantis")
    assert "couldn't find a time zone" in u.text()
    await u.say("UTC+5:30")
    await u.say("whenever")
    assert "I didn't understand “whenever”" in u.text()
    # A sticker or a file mid-dialog gets a hint and the same question again.
    sticker = api.text_update(505, "x")
    del sticker["message"]["text"]  # type: ignore[attr-defined]
    sticker["message"]["sticker"] = {  # type: ignore[index]
        "file_id": "s",
        "file_unique_id": "s",
        "type": "regular",
        "width": 1,
        "height": 1,
        "is_animated": False,
        "is_video": False,
    }
    await u.send_update(sticker)
    assert "When are you usually free" in u.text()
    doc = api.text_update(505, "x")
    del doc["message"]["text"]  # type: ignore[attr-defined]
    doc["message"]["document"] = {"file_id": "d", "file_unique_id": "d", "file_name": "cv.pdf"}  # type: ignore[index]
    await u.send_update(doc)
    assert "can't use files here yet" in u.text()
    await u.say("skip")
    assert "Mentors need at least one time slot" in u.text()
    await u.say("Mon-Fri 18:00-21:00")
    assert "Availability: Mon–Fri 18:00–21:00." in u.text()
    await u.say("Dev")
    assert "5 to 120 characters" in u.text()
    await u.say("SDE at Flipkart · React & <Python>")
    await u.say("too short")
    assert "20 to 1500 characters (that was 9)" in u.text()
    await u.say("I build frontends at scale & love teaching <hooks> and state management.")
    await u.say("lots")
    assert "whole number of years" in u.text()
    await u.say("4 years")
    await u.say("cheap")
    assert "amount in rupees" in u.text()
    await u.say("₹150")
    await u.say("45")
    assert "Choose from 10, 20, 30 minutes." in u.text()
    await u.press("10, 20")
    await u.press("Skip")
    assert "Your mentor application is with the admins" in u.text()
    # The admin (on Telegram) sees the applicant's own words escaped, not as markup.
    note = api.chat_messages(ADMIN_ID)[-1]
    assert "New mentor application" in note.plain
    assert "&lt;Python&gt;" in note.html and "<Python>" not in note.html


async def test_link_deep_link_joins_accounts(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    web = ChatDriver(tg_core, "meera", platform="web")
    await web.say("/link")
    code = web.text().split("`")[1]
    u = TgUser(api, tg, 606, "Meera")
    await u.say(f"/start link_{code.replace('-', '')}")
    assert "Linked" in u.text()
    async with tg_core.db.transaction() as s:
        accounts = list(await s.scalars(select(Account).order_by(Account.id)))
    by = {a.platform: a.user_id for a in accounts}
    assert by["telegram"] == by["web"]


async def test_group_answers_only_commands_addressed_to_it(
    api: FakeBotAPI, tg: TelegramBot
) -> None:
    g = TgUser(api, tg, 707, "Om", chat_id=-100500)
    await g.say("hello everyone")
    assert g.last == []
    await g.say("/find@SomeOtherBot react")
    assert g.last == []
    await g.say("/help")
    assert "/find" in g.text()
    await g.say(f"/profile@{api.username}")
    assert "private chat" in g.text()
    [button] = g.last[0].buttons()
    assert button["url"] == f"https://t.me/{api.username}?start=profile"
    # The link opens the DM with /start profile, which runs /profile there.
    dm = TgUser(api, tg, 707, "Om")
    await dm.say("/start profile")
    assert "You don't have a profile yet" in dm.text()


async def test_plain_words_on_telegram(api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp) -> None:
    """Issue #26 over aiogram: a student's first messages, read for what they mean."""
    u = TgUser(api, tg, 131, "Kavya")
    await u.say("hii")
    assert "What would you like to do?" in u.text()
    await u.say("mujhe python sikhna hai")
    assert "Python" in u.text() and "Please choose" not in u.text()
    await u.say("how do refunds work?")
    assert "full refund" in u.text()
    await u.say("I can teach React")
    assert "call you" in u.text()
    await u.say("main Kavya hu")
    assert "Nice to meet you, Kavya!" in u.text()
