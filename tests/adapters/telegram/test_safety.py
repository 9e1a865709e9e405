"""Block and report a person on Telegram: real aiogram over HTTP to the fake Bot API."""

from __future__ import annotations

import io
import json
import zipfile

from sqlalchemy import select

from bots.telegram.bot import TelegramBot
from core.app import CoreApp
from core.db.safety import Block, PersonReport
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_find import _approve_all, _uid


async def test_block_and_report_a_mentor_in_telegram(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    await apply_as_mentor(tg_core, "meera")
    await _approve_all(tg_core)
    lina = TgUser(api, tg, 303, "Lina")
    await lina.say("/start")
    await lina.say("/find python")
    assert "Meera" in lina.text()
    await lina.press("Meera")
    await lina.press("Report")
    assert "Why are you reporting Meera?" in lina.text(), lina.text()
    await lina.press("No-show")
    await lina.say("Never joined the call, twice")
    assert "is with the admins" in lina.text()
    await lina.press("Block")
    await lina.press("Yes, block")
    assert "You blocked Meera" in lina.text(), lina.text()
    await lina.say("/find python")
    assert "Meera" not in lina.text()

    meera = await _uid(tg_core, "meera")
    async with tg_core.db.transaction() as s:
        [report] = list(await s.scalars(select(PersonReport)))
        assert (report.target_user_id, report.category, report.state) == (
            meera,
            "no-show",
            "open",
        )
        assert report.text == "Never joined the call, twice"
        [block] = list(await s.scalars(select(Block)))
        assert block.blocked_id == meera and block.blocker_id == report.reporter_id


async def test_privacy_export_arrives_as_a_zip_document_in_telegram(
    api: FakeBotAPI, tg: TelegramBot, tg_core: CoreApp
) -> None:
    lina = TgUser(api, tg, 303, "Lina")
    await lina.say("/start")
    await lina.say("/privacy")
    assert "What MentorBot stores about you" in lina.text()
    await lina.say("/privacy export")
    [doc] = [m for m in api.chat_messages(303) if m.kind == "document"]
    assert doc.filename.endswith(".zip")
    with zipfile.ZipFile(io.BytesIO(doc.data)) as z:
        data = json.loads(z.read("data.json"))
    [account] = data["accounts"]
    assert (account["platform"], account["external_id"]) == ("telegram", "303")
