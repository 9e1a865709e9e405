"""Steps and forms log the profiles they may have changed, in their own transaction, whether
or not this process has a recommender (other processes may)."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.db import changes
from core.db.schema import Account
from tests.support import ChatDriver, RecordingChannel
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_forms import GOOD_APPLY, actor


async def _uid(core: CoreApp, name: str) -> int:
    async with core.db.transaction() as s:
        uid = await s.scalar(select(Account.user_id).where(Account.external_id == name))
    assert uid is not None
    return int(uid)


async def _logged_since(core: CoreApp, cursor: int) -> list[int | None]:
    async with core.db.transaction() as s:
        return [uid for _, uid in await changes.after(s, cursor, 1000)]


async def _latest(core: CoreApp) -> int:
    async with core.db.transaction() as s:
        return await changes.latest(s)


async def test_an_admin_approval_logs_the_mentor_it_approved(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    assert core.recommender is None
    await apply_as_mentor(core, "anu")
    mentor = await _uid(core, "anu")
    assert mentor in await _logged_since(core, 0)  # the application itself
    before = await _latest(core)
    admin = ChatDriver(core, "admin")
    await admin.say(f"/admin approve {mentor}")
    assert "Approved Anu" in admin.text(), admin.text()
    # The mentor, not the admin: only would-be mentors' own steps are logged (learners and
    # admins aren't searchable).
    assert set(await _logged_since(core, before)) == {mentor}


async def test_a_submitted_form_logs_the_profile(core: CoreApp) -> None:
    before = await _latest(core)
    outcome = await core.submit_form(actor("meera"), "apply", GOOD_APPLY)
    assert outcome.ok
    assert await _logged_since(core, before) == [await _uid(core, "meera")]


async def test_a_form_that_does_not_validate_logs_nothing(core: CoreApp) -> None:
    before = await _latest(core)
    outcome = await core.submit_form(actor("meera"), "apply", {**GOOD_APPLY, "years": "lots"})
    assert not outcome.ok
    assert await _logged_since(core, before) == []
