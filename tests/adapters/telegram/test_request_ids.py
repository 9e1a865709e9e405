"""Request ids outside HTTP (issue 17): a polled Telegram update's log lines carry
`tg:<update_id>` in the JSON logs, as an HTTP request's carry its id; over the webhook an
update keeps the HTTP request's id, down to core's own lines about it."""

from __future__ import annotations

import logging
from typing import Any

import aiohttp
from aiohttp.test_utils import TestServer

from bots.telegram.bot import TelegramBot
from bots.telegram.config import PATH
from bots.telegram.setup import TELEGRAM
from mentorbot.logs import HEADER
from tests.adapters.telegram.conftest import SECRET
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser
from tests.log_support import json_logs
from webhooks.telegram import SECRET_HEADER


async def test_a_polled_update_carries_its_own_id(api: FakeBotAPI, tg: TelegramBot) -> None:
    with json_logs("mentorbot.trace", "mentorbot.test") as lines:
        u = TgUser(api, tg, 151, "Ria")
        await u.say("/start")
        await u.say("hello")
        logging.getLogger("mentorbot.test").warning("between updates")
    updates = [p for p in lines if p["msg"].startswith("telegram update ")]
    assert len(updates) == 2
    for p in updates:
        assert p["request_id"] == "tg:" + p["msg"].rsplit(" ", 1)[1]
    assert updates[0]["request_id"] != updates[1]["request_id"]
    [between] = [p for p in lines if p["msg"] == "between updates"]
    assert between["request_id"] is None  # nothing leaks past the update


async def _post(srv: TestServer, update: dict[str, Any], rid: str) -> int:
    headers = {SECRET_HEADER: SECRET, HEADER: rid}
    async with (
        aiohttp.ClientSession() as s,
        s.post(str(srv.make_url(PATH)), json=update, headers=headers) as r,
    ):
        return r.status


async def test_a_webhook_update_keeps_the_http_request_id_into_core(
    api: FakeBotAPI, server: TestServer
) -> None:
    tg: TelegramBot = server.app[TELEGRAM]
    update = {"update_id": 9101, **api.text_update(161, "/start")}
    with json_logs("mentorbot.trace", "core.runner") as lines:
        for rid in ("hook-1", "hook-2"):  # Telegram delivers it twice
            assert await _post(server, update, rid) == 200
            await tg.wait_finished(9101, times=1 if rid == "hook-1" else 2)
    traced = [p["request_id"] for p in lines if p["msg"] == "telegram update 9101"]
    assert traced == ["hook-1", "hook-2"]
    # The second delivery is skipped by core, in a line carrying that delivery's id.
    skipped = [p for p in lines if "already handled" in p["msg"]]
    assert [p["request_id"] for p in skipped] == ["hook-2"], lines
