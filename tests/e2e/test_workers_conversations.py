"""One Telegram conversation across two real workers (issue 21, part 2), in webhook mode
against the fake Bot API: a delivery Telegram retries to the other worker is handled once;
a conversation moved on by one worker is continued by the other; messages of one person
arriving at both workers at once are handled one at a time (the conversation row is locked
across processes, its version checked), each exactly once; and with Redis, the two workers
keep Telegram's per-chat send limit together (part 5)."""

from __future__ import annotations

import asyncio
import os
import secrets
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import select

from core.db.engine import Database
from core.db.schema import Conversation
from mentorbot.migrate import upgrade
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.e2e.processes import postgres_database
from tests.e2e.test_workers_scheduler import Worker, worker
from tests.support import PG_URL
from webhooks.telegram import PATH, SECRET_HEADER

REDIS_URL = os.environ.get("MENTORBOT_TEST_REDIS_URL", "")
SECRET = "workers-hook-" + secrets.token_hex(4)


@pytest.fixture
async def database_url() -> AsyncIterator[str]:
    if not PG_URL:
        pytest.skip("several workers need PostgreSQL: set MENTORBOT_TEST_DATABASE_URL")
    async with postgres_database(PG_URL) as url:
        db = Database.from_url(url)
        await upgrade(db.engine)
        await db.dispose()
        yield url


@pytest.fixture
async def api() -> AsyncIterator[FakeBotAPI]:
    fake = FakeBotAPI()
    await fake.start()
    yield fake
    await fake.close()


async def post(w: Worker, update: dict[str, Any]) -> int:
    async with (
        aiohttp.ClientSession() as s,
        s.post(w.base + PATH, json=update, headers={SECRET_HEADER: SECRET}) as r,
    ):
        return r.status


async def answers(api: FakeBotAPI, chat: int, n: int, within_s: float = 20.0) -> list[str]:
    for _ in range(int(within_s / 0.1)):
        got = [m.plain for m in api.chat_messages(chat)]
        if len(got) >= n:
            return got
        await asyncio.sleep(0.1)
    return [m.plain for m in api.chat_messages(chat)]


def answers_now(api: FakeBotAPI, chat: int) -> list[str]:
    return [m.plain for m in api.chat_messages(chat)]


async def conversation_version(url: str, chat: int) -> int:
    db = Database.from_url(url)
    async with db.transaction() as s:
        v = await s.scalar(
            select(Conversation.version).where(
                Conversation.platform == "telegram", Conversation.chat_id == str(chat)
            )
        )
    await db.dispose()
    return int(v or 0)


async def test_one_conversation_across_two_workers(
    database_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    env = {
        "MENTORBOT_DATABASE_URL": database_url,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "conv-" + secrets.token_hex(4),
        "MENTORBOT_MATCH_MODEL": "none",
        "MENTORBOT_TICK_SECONDS": "0",
        "MENTORBOT_TELEGRAM_TOKEN": api.token,
        "MENTORBOT_TELEGRAM_API_URL": api.url,
        "MENTORBOT_TELEGRAM_MODE": "webhook",
        "MENTORBOT_TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(worker("a", env, tmp_path / "a.log"))
        b = await stack.enter_async_context(worker("b", env, tmp_path / "b.log"))

        # Telegram retries a delivery (the first worker was slow to answer): both get it.
        first = {"update_id": 9001, **api.text_update(501, "/start")}
        assert await asyncio.gather(post(a, first), post(b, first)) == [200, 200]
        greeted = await answers(api, 501, 2)  # the greeting and the first question
        await asyncio.sleep(1.0)  # time for a second answer, if there were one
        assert sum("What would you like to do?" in t for t in answers_now(api, 501)) == 1, greeted

        # The next message lands on the other worker, which continues where A left off.
        second = {"update_id": 9002, **api.text_update(501, "Learn")}
        assert await post(b, second) == 200
        got = await answers(api, 501, len(greeted) + 1)
        assert "Please choose" not in got[-1], got

        # Six messages of another person, three to each worker at once: each handled once,
        # one at a time (six steps moved the conversation six versions on).
        chat = 777
        updates = [
            {"update_id": 9100 + i, **api.text_update(chat, f"/help {i}" if i else "/help")}
            for i in range(6)
        ]
        statuses = await asyncio.gather(
            *(post(a if i % 2 else b, u) for i, u in enumerate(updates))
        )
        assert statuses == [200] * 6
        got = await answers(api, chat, 6)
        await asyncio.sleep(1.0)
        assert len(api.chat_messages(chat)) == 6, got
        assert not any("Sorry" in t for t in got), got
        assert await conversation_version(database_url, chat) == 6


async def test_two_workers_keep_one_chats_telegram_limit_together(
    database_url: str, api: FakeBotAPI, tmp_path: Path
) -> None:
    if not REDIS_URL:
        pytest.skip("shared limits need Redis: set MENTORBOT_TEST_REDIS_URL")
    env = {
        "MENTORBOT_DATABASE_URL": database_url,
        "MENTORBOT_REDIS_URL": REDIS_URL,
        "MENTORBOT_DATA_DIR": str(tmp_path),
        "MENTORBOT_SECRET_KEY": "limits-" + secrets.token_hex(4),
        "MENTORBOT_MATCH_MODEL": "none",
        "MENTORBOT_TICK_SECONDS": "0",
        "MENTORBOT_TELEGRAM_TOKEN": api.token,
        "MENTORBOT_TELEGRAM_API_URL": api.url,
        "MENTORBOT_TELEGRAM_MODE": "webhook",
        "MENTORBOT_TELEGRAM_WEBHOOK_SECRET": SECRET,
    }
    async with AsyncExitStack() as stack:
        a = await stack.enter_async_context(worker("a", env, tmp_path / "a.log"))
        b = await stack.enter_async_context(worker("b", env, tmp_path / "b.log"))
        chat = 888
        updates = [{"update_id": 9300 + i, **api.text_update(chat, "/help")} for i in range(8)]
        # Four to each worker at once: each worker alone would send its burst of three at
        # once and the fourth a second later, 8 messages in about a second.
        assert await asyncio.gather(*(post(a if i % 2 else b, u) for i, u in enumerate(updates)))
        await answers(api, chat, 8, within_s=30.0)
        sent = sorted(m.at for m in api.chat_messages(chat))
        assert len(sent) == 8
        # Together: a burst of three, then one a second (Telegram's limit for one chat).
        for i, t in enumerate(sent[3:], start=1):
            assert t - sent[0] >= i - 0.2, [round(x - sent[0], 2) for x in sent]
