"""A skill swap on Telegram: two mentors who each want what the other teaches; one proposes
with /swap, the other accepts both halves from the Telegram message."""

from __future__ import annotations

from sqlalchemy import select

from bots.telegram.bot import TelegramBot
from core.db.engine import Database
from core.db.schema import Skill, User, UserSkill
from tests.adapters.telegram.conftest import ADMIN_ID
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser
from tests.support import answer_age


async def _mentor(
    api: FakeBotAPI, tg: TelegramBot, admin: TgUser, uid: int, name: str, skill: str
) -> TgUser:
    m = TgUser(api, tg, uid, name)
    await m.say("/start")
    await m.press("Mentor")
    await m.say(name)
    await answer_age(m)
    await m.say(f"{skill}: advanced")
    await m.say("English")
    await m.say("Pune")
    await m.press("Weekday evenings")
    await m.say(f"{skill} engineer")
    await m.say(f"I teach {skill} to anyone who asks, with patience and examples.")
    await m.say("6")
    await m.say("free")
    await m.press("10, 20")
    await m.press("Skip")
    assert "with the admins" in m.text(), m.text()
    admin.last = [api.chat_messages(ADMIN_ID)[-1]]
    await admin.press("Approve")
    return m


async def _wants(db: Database, name: str, skill: str) -> None:
    async with db.transaction() as s:
        uid = await s.scalar(select(User.id).where(User.display_name == name))
        sid = await s.scalar(select(Skill.id).where(Skill.name == skill))
        assert uid is not None and sid is not None
        s.add(UserSkill(user_id=uid, skill_id=sid, kind="learn", level="beginner"))


async def test_a_swap_proposed_and_accepted_in_telegram(
    api: FakeBotAPI, tg: TelegramBot, db: Database
) -> None:
    admin = TgUser(api, tg, ADMIN_ID, "Admin")
    await admin.say("/menu")
    anita = await _mentor(api, tg, admin, 202, "Anita", "Kubernetes")
    lina = await _mentor(api, tg, admin, 303, "Lina", "Docker")
    await _wants(db, "Anita", "Docker")
    await _wants(db, "Lina", "Kubernetes")

    await anita.say("/swap")
    assert "You teach Kubernetes and want Docker; Lina teaches Docker and wants Kubernetes" in (
        anita.text()
    )
    await anita.press("Swap with Lina")
    await anita.press("Tue 24 Nov, 18:00")
    await anita.press("Tue 24 Nov, 18:30")
    await anita.press("Send proposal")
    assert "proposed" in anita.text(), anita.text()

    [proposal] = [m for m in api.chat_messages(303) if "proposes a skill swap" in m.plain]
    assert "Tue 24 Nov, 18:00 (Asia/Kolkata)" in proposal.plain
    lina.last = [proposal]
    await lina.press("Accept both")
    assert "Swap accepted" in lina.text()
    assert any("accepted your skill swap" in m.plain for m in api.chat_messages(202))
    await lina.say("/sessions")
    assert "Anita" in lina.text()
