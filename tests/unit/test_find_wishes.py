"""A search nobody can answer says so, and can wait for a mentor who teaches it."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.db.schema import Account
from core.db.wishes import SkillWish
from tests.support import ChatDriver, RecordingChannel
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_find import _approve_all, _matching


async def _approve(core: CoreApp, name: str) -> None:
    async with core.db.transaction() as s:
        uid = await s.scalar(select(Account.user_id).where(Account.external_id == name))
    admin = ChatDriver(core, "admin")
    await admin.say(f"/admin approve {uid}")
    assert f"Approved {name.capitalize()}" in admin.text(), admin.text()


def _told(inbox: RecordingChannel, name: str) -> list[str]:
    return [r.text for r in inbox.inbox.get(name, []) if "now teaches" in r.text]


async def test_nobody_teaches_python_says_so_and_tells_the_learner_once(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    await apply_as_mentor(core, "dia", skills="React: advanced", price="100")
    await _approve_all(core)
    smart, _engine = await _matching(core)
    learner = ChatDriver(smart, "learner")
    await learner.say("/find python")
    assert "Nobody teaches *Python* yet — closest:" in learner.text()
    assert "Best matches" not in learner.text()
    await learner.press("Tell me when someone does")
    assert "I'll message you when a mentor who teaches *Python* is approved" in learner.text()
    await learner.say("/find python")
    await learner.press("Sort: rating")
    assert "0 found" in learner.text() and "Nobody teaches *Python* yet." in learner.text()
    await learner.press("Tell me when someone does")  # asking twice keeps one wish
    async with smart.db.transaction() as s:
        assert len(list(await s.scalars(select(SkillWish)))) == 1

    await apply_as_mentor(smart, "meera", skills="Python: advanced")
    assert _told(inbox, "learner") == []  # applying is not being approved
    await _approve(smart, "meera")
    assert _told(inbox, "learner") == [
        "🔔 *Meera* now teaches *Python* — you asked me to tell you when someone does."
    ]
    await apply_as_mentor(smart, "ravi", skills="Python: intermediate")
    await _approve(smart, "ravi")
    assert len(_told(inbox, "learner")) == 1  # told once, not for every new mentor
    await learner.say("/find python")
    assert "Best matches" in learner.text() and "Nobody teaches" not in learner.text()


async def test_without_matching_an_empty_skill_offers_the_wish_too(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    learner = ChatDriver(core, "learner")
    await learner.say("/find python")
    assert "Nobody teaches *Python* yet." in learner.text()
    await learner.press("Tell me when someone does")
    await apply_as_mentor(core, "meera", skills="Python: advanced")
    await _approve(core, "meera")
    assert len(_told(inbox, "learner")) == 1
