"""Webhook mode through the app factory: the secret decides, duplicates are processed once."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp.test_utils import TestServer

from bots.telegram.bot import TelegramBot, update_types
from bots.telegram.setup import TELEGRAM, TelegramConfig, set_webhook
from mentorbot.app import create_app
from tests.adapters.telegram.conftest import SECRET, settings_for
from tests.adapters.telegram.fakeapi import FakeBotAPI, update_kind
from webhooks.telegram import PATH, SECRET_HEADER, TELEGRAM_WEBHOOK, Sequencer


async def _post(srv: TestServer, update: dict[str, Any], secret: str | None) -> int:
    headers = {SECRET_HEADER: secret} if secret is not None else {}
    async with (
        aiohttp.ClientSession() as s,
        s.post(str(srv.make_url(PATH)), json=update, headers=headers) as r,
    ):
        return r.status


def _greetings(api: FakeBotAPI, chat_id: int) -> int:
    return sum("What would you like to do?" in m.plain for m in api.chat_messages(chat_id))


async def test_right_secret_processed_once_even_when_delivered_twice(
    api: FakeBotAPI, server: TestServer
) -> None:
    tg: TelegramBot = server.app[TELEGRAM]
    assert api.commands, "setMyCommands at start"
    update = {"update_id": 5001, **api.text_update(111, "/start")}
    assert await _post(server, update, SECRET) == 200
    assert await _post(server, update, SECRET) == 200
    await tg.wait_finished(5001, times=2)
    assert _greetings(api, 111) == 1

    # Two deliveries racing each other: still one answer.
    update = {"update_id": 5002, **api.text_update(222, "/start")}
    statuses = await asyncio.gather(_post(server, update, SECRET), _post(server, update, SECRET))
    assert statuses == [200, 200]
    await tg.wait_finished(5002, times=2)
    assert _greetings(api, 222) == 1


async def test_wrong_or_missing_secret_is_403_and_nothing_runs(
    api: FakeBotAPI, server: TestServer
) -> None:
    tg: TelegramBot = server.app[TELEGRAM]
    update = {"update_id": 6001, **api.text_update(333, "/start")}
    assert await _post(server, update, "wrong") == 403
    assert await _post(server, update, None) == 403
    assert await _post(server, update, SECRET[:-1]) == 403
    await asyncio.sleep(0.05)
    assert 6001 not in tg.finished
    assert api.count("sendMessage") == 0
    # Not JSON / not an update, with the right secret: refused, not crashed.
    async with (
        aiohttp.ClientSession() as s,
        s.post(str(server.make_url(PATH)), data=b"nope", headers={SECRET_HEADER: SECRET}) as r,
    ):
        assert r.status == 400


async def test_no_token_means_the_bot_is_off_and_says_why(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # The composition root says it (it imports aiogram only when Telegram is on).
    caplog.set_level(logging.INFO, logger="mentorbot.platforms")
    app = create_app(settings_for(tmp_path))
    assert "Telegram bot is off: MENTORBOT_TELEGRAM_TOKEN is not set." in caplog.text
    assert not any(r.resource.canonical == PATH for r in app.router.routes())  # type: ignore[union-attr]
    caplog.clear()
    create_app(settings_for(tmp_path, telegram_token="12:AAA", telegram_mode="webhook"))
    assert "webhook mode needs MENTORBOT_TELEGRAM_WEBHOOK_SECRET" in caplog.text
    caplog.clear()
    create_app(
        settings_for(
            tmp_path,
            telegram_token="12:AAA",
            telegram_mode="webhook",
            telegram_webhook_secret="not allowed!",
        )
    )
    assert "may only use A-Z a-z 0-9 _ -" in caplog.text


async def test_set_webhook_registers_url_and_secret(api: FakeBotAPI) -> None:
    config = TelegramConfig(
        token=api.token,
        api_url=api.url,
        mode="webhook",
        webhook_secret=SECRET,
        public_url="https://mentorbot.example.org/",
    )
    assert await set_webhook(config) == "https://mentorbot.example.org/webhooks/telegram"
    assert api.webhook == {
        "url": "https://mentorbot.example.org/webhooks/telegram",
        "secret_token": SECRET,
    }
    handled = ["callback_query", "edited_message", "message", "my_chat_member"]
    assert api.allowed_updates == update_types() == handled
    with pytest.raises(ValueError, match="https"):
        await set_webhook(
            TelegramConfig(api.token, api.url, "webhook", SECRET, "http://127.0.0.1:8080")
        )


async def test_one_chat_in_order_while_other_chats_run_alongside(
    api: FakeBotAPI, server: TestServer
) -> None:
    tg: TelegramBot = server.app[TELEGRAM]
    hook = server.app[TELEGRAM_WEBHOOK]
    held = api.hold("sendMessage", 111)  # the first reply to chat 111 is slow to go out
    first = {"update_id": 7001, **api.text_update(111, "/start")}
    second = {"update_id": 7002, **api.text_update(111, "/help")}
    assert await _post(server, first, SECRET) == 200
    await asyncio.wait_for(held.entered.wait(), 10)
    assert await _post(server, second, SECRET) == 200
    assert await _post(server, first, SECRET) == 200  # Telegram redelivers the slow one
    assert hook.order.queued("chat:111") == 3  # the second and the copy wait their turn
    # Another chat is not held up behind chat 111.
    other = {"update_id": 7003, **api.text_update(222, "/help")}
    assert await _post(server, other, SECRET) == 200
    await tg.wait_finished(7003)
    assert "/find" in api.chat_messages(222)[-1].plain
    assert 7002 not in tg.finished and api.chat_messages(111) == []
    held.release.set()
    await tg.wait_finished(7002)
    await tg.wait_finished(7001, times=2)
    texts = [m.plain for m in api.chat_messages(111)]
    greeting = next(i for i, t in enumerate(texts) if "What would you like to do?" in t)
    help_at = next(i for i, t in enumerate(texts) if "/find" in t)
    assert greeting < help_at, texts
    assert sum("I'm MentorBot" in t for t in texts) == 1, texts  # the copy was skipped


async def test_sequencer_keeps_order_per_key_and_forgets_finished_keys() -> None:
    order = Sequencer()
    gate = asyncio.Event()
    seen: list[str] = []

    async def job(name: str, wait: bool = False, fail: bool = False) -> None:
        if wait:
            await gate.wait()
        seen.append(name)
        if fail:
            raise RuntimeError(name)

    a1 = order.submit("a", lambda: job("a1", wait=True, fail=True))
    a2 = order.submit("a", lambda: job("a2"))
    b1 = order.submit("b", lambda: job("b1"))
    await b1
    assert seen == ["b1"] and order.queued("a") == 2
    gate.set()
    await asyncio.wait([a1, a2])
    assert seen == ["b1", "a1", "a2"]  # a1 failing doesn't stop a2 or reorder it
    assert order.queued("a") == 0 and len(order) == 0


async def test_a_redelivered_press_is_acted_on_once(api: FakeBotAPI, server: TestServer) -> None:
    tg: TelegramBot = server.app[TELEGRAM]
    await _post(server, {"update_id": 8001, **api.text_update(444, "/start")}, SECRET)
    await tg.wait_finished(8001)
    menu = next(m for m in api.chat_messages(444) if "What would you like to do?" in m.plain)
    learn = next(b["callback_data"] for b in menu.buttons() if "Learn" in b["text"])
    press = {"update_id": 8002, **api.press_update(444, menu, learn)}
    assert await _post(server, press, SECRET) == 200
    await tg.wait_finished(8002)
    after_first = len(api.chat_messages(444))
    assert any("call you" in m.plain for m in api.chat_messages(444))
    assert await _post(server, press, SECRET) == 200  # Telegram's retry of the same update
    await tg.wait_finished(8002, times=2)
    assert len(api.chat_messages(444)) == after_first
    assert sum("call you" in m.plain for m in api.chat_messages(444)) == 1


async def test_an_update_whose_step_failed_is_acted_on_when_redelivered(
    api: FakeBotAPI, server: TestServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    tg: TelegramBot = server.app[TELEGRAM]
    runner = tg.core.runner
    real_step = runner._step
    failures = [RuntimeError("the database went away mid-step")]

    async def fails_once(*args: Any, **kwargs: Any) -> Any:
        if failures:
            raise failures.pop()
        return await real_step(*args, **kwargs)

    monkeypatch.setattr(runner, "_step", fails_once)
    update = {"update_id": 8101, **api.text_update(555, "/start")}
    assert await _post(server, update, SECRET) == 200
    await tg.wait_finished(8101)
    assert _greetings(api, 555) == 0
    assert "Sorry" in api.chat_messages(555)[-1].plain
    # The failed step rolled back its record of the update too: the retry does the work.
    assert await _post(server, update, SECRET) == 200
    await tg.wait_finished(8101, times=2)
    assert _greetings(api, 555) == 1
    assert await _post(server, update, SECRET) == 200  # and a third copy is skipped
    await tg.wait_finished(8101, times=3)
    assert _greetings(api, 555) == 1


async def test_a_redirect_to_the_private_chat_is_posted_once(
    api: FakeBotAPI, server: TestServer
) -> None:
    tg: TelegramBot = server.app[TELEGRAM]
    update = {"update_id": 8201, **api.text_update(666, "/profile", chat_id=-1001)}
    for times in (1, 2):
        assert await _post(server, update, SECRET) == 200
        await tg.wait_finished(8201, times=times)
    posted = [m for m in api.chat_messages(-1001) if "private chat" in m.plain]
    assert len(posted) == 1


async def test_telegram_delivers_to_the_webhook_only_what_set_webhook_asked_for(
    api: FakeBotAPI, server: TestServer
) -> None:
    tg: TelegramBot = server.app[TELEGRAM]
    await set_webhook(
        TelegramConfig(api.token, api.url, "webhook", SECRET, "https://mentorbot.example.org")
    )
    api.webhook_target = str(server.make_url(PATH))  # the TLS proxy in front of the app
    joined, status = await api.post_update(api.membership_update(-1002, "left", "member"))
    assert status == 200
    await tg.wait_finished(joined)
    assert any("A community can be linked" in m.plain for m in api.chat_messages(-1002))
    posted = api.text_update(5, "posted")
    _, status = await api.post_update({"channel_post": posted["message"]})
    assert status is None
    assert [update_kind(d) for d in api.dropped] == ["channel_post"]
    # The same added-to-group update delivered again (Telegram's retry): greeted once.
    again = {"update_id": joined, **api.membership_update(-1002, "left", "member")}
    assert await _post(server, again, SECRET) == 200
    await tg.wait_finished(joined, times=2)
    assert sum("A community can be linked" in m.plain for m in api.chat_messages(-1002)) == 1


def _other_updates(api: FakeBotAPI) -> list[dict[str, Any]]:
    """One valid update of each kind the bot has no handler for (Bot API shapes)."""
    msg = api.text_update(5, "hello")["message"]
    user = msg["from"]
    channel = {"id": -1003, "type": "channel", "title": "News"}
    group = {"id": -1001, "type": "supergroup", "title": "Study group"}
    return [
        {"edited_message": {**msg, "edit_date": 1_790_000_001}},
        {"channel_post": {"message_id": 1, "date": 1_790_000_000, "chat": channel, "text": "x"}},
        {"inline_query": {"id": "iq1", "from": user, "query": "react", "offset": ""}},
        {"chosen_inline_result": {"result_id": "r1", "from": user, "query": "react"}},
        {
            "poll": {
                "id": "p1",
                "question": "When?",
                "options": [
                    {"persistent_id": "o1", "text": "Mon", "voter_count": 1},
                    {"persistent_id": "o2", "text": "Tue", "voter_count": 0},
                ],
                "total_voter_count": 1,
                "allows_revoting": False,
                "members_only": False,
                "is_closed": False,
                "is_anonymous": True,
                "type": "regular",
                "allows_multiple_answers": False,
            }
        },
        {
            "poll_answer": {
                "poll_id": "p1",
                "user": user,
                "option_ids": [0],
                "option_persistent_ids": ["o1"],
            }
        },
        {
            "chat_member": {
                "chat": group,
                "from": user,
                "date": 1_790_000_000,
                "old_chat_member": {"status": "left", "user": user},
                "new_chat_member": {"status": "member", "user": user},
            }
        },
        {"chat_join_request": {"chat": group, "from": user, "user_chat_id": 5, "date": 1}},
        {
            "message_reaction": {
                "chat": group,
                "message_id": 3,
                "user": user,
                "date": 1_790_000_000,
                "old_reaction": [],
                "new_reaction": [{"type": "emoji", "emoji": "👍"}],
            }
        },
        {"some_update_type_from_a_later_bot_api": {"id": 1}},
    ]


# aiogram warns once about a type newer than itself; the update is still acknowledged.
@pytest.mark.filterwarnings("ignore:Detected unknown update type")
async def test_every_update_type_it_does_not_handle_is_still_answered_200(
    api: FakeBotAPI, server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    tg: TelegramBot = server.app[TELEGRAM]
    for n, update in enumerate(_other_updates(api)):
        uid = 9000 + n
        assert await _post(server, {"update_id": uid, **update}, SECRET) == 200, update
        await tg.wait_finished(uid)
    assert api.count("sendMessage") == 0
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_a_webhook_registered_for_other_update_types_is_reported_at_start(
    api: FakeBotAPI, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """What a webhook set by an older release (message and callback_query only) looks like."""
    api.webhook = {"url": "https://mentorbot.example.org/webhooks/telegram", "secret_token": SECRET}
    api.allowed_updates = ["message", "callback_query"]
    settings = settings_for(
        tmp_path,
        telegram_token=api.token,
        telegram_api_url=api.url,
        telegram_mode="webhook",
        telegram_webhook_secret=SECRET,
    )
    caplog.set_level(logging.WARNING, logger="bots.telegram.bot")
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    try:
        assert "Telegram's webhook sends message, callback_query, the bot handles" in caplog.text
        assert "run `mentorbot telegram set-webhook` again" in caplog.text
        caplog.clear()
        await set_webhook(
            TelegramConfig(api.token, api.url, "webhook", SECRET, "https://mentorbot.example.org")
        )
    finally:
        await srv.close()
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    await srv.close()
    assert "set-webhook" not in caplog.text


async def test_no_webhook_registered_is_reported_at_start(
    server: TestServer, caplog: pytest.LogCaptureFixture
) -> None:
    said = [r.getMessage() for r in caplog.get_records("setup") if r.levelno == logging.WARNING]
    assert "No Telegram webhook is registered: run `mentorbot telegram set-webhook`." in said
