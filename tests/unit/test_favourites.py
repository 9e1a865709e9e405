"""Favourites: follow a mentor from their profile; hear when they open new times."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.availability import Window, windows_added
from core.db.follows import MentorFollow
from core.db.schema import Account
from core.messaging import ActionIn
from core.services.follows import Fav
from tests.support import ChatDriver, RecordingChannel
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_find import _approve_all
from tests.unit.test_onboarding import onboard_learner


def _opened(inbox: RecordingChannel, name: str) -> list[str]:
    return [r.text for r in inbox.inbox.get(name, []) if "opened new times" in r.text]


async def _set_hours(mentor: ChatDriver, hours: str) -> None:
    await mentor.say("/profile")
    await mentor.press("Availability")
    await mentor.say(hours)
    assert "Availability:" in mentor.text(), mentor.text()


async def test_a_follower_hears_when_the_mentor_opens_new_times(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    meera = await apply_as_mentor(core, "meera", skills="Python: advanced", price="free")
    await _approve_all(core)
    learner = await onboard_learner(core, "asha")
    await learner.say("/find python")
    profile = await learner.press("Meera")
    await learner.press("☆ Follow", profile)
    assert "You follow *Meera*" in learner.text()
    await learner.press("☆ Follow", profile)  # the same button pressed twice: one follow
    async with core.db.transaction() as s:
        assert len(list(await s.scalars(select(MentorFollow)))) == 1

    await _set_hours(meera, "Mon-Fri 18:00-21:00; Sat 10-13")
    assert _opened(inbox, "asha") == [
        "📅 *Meera*, whom you follow, opened new times: Sat 10:00–13:00 "
        "(weekly, in their zone, Asia/Kolkata)."
    ]
    await _set_hours(meera, "Mon-Fri 18:00-21:00")  # fewer times: nothing to tell
    assert len(_opened(inbox, "asha")) == 1
    await learner.press("Book a session", [inbox.inbox["asha"][-1]])
    assert "How long" in learner.text()

    await learner.say("/find python")
    await learner.press("Meera")
    await learner.press("Following · unfollow")
    assert "You no longer follow *Meera*" in learner.text()
    await _set_hours(meera, "Mon-Sun 18:00-21:00")
    assert len(_opened(inbox, "asha")) == 1


async def test_a_mentor_cannot_follow_themselves_or_a_pending_mentor(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    meera = await apply_as_mentor(core, "meera", skills="Python: advanced", price="free")
    await _approve_all(core)
    await apply_as_mentor(core, "ravi", skills="Python: advanced", price="free")  # pending
    async with core.db.transaction() as s:
        ids = {a.external_id: a.user_id for a in await s.scalars(select(Account))}
    await meera.send(ActionIn(Fav(ids["meera"], True).pack()))
    assert "can't follow yourself" in meera.text()
    await meera.send(ActionIn(Fav(ids["ravi"], True).pack()))
    assert "isn't available" in meera.text()


def test_new_times_are_what_the_new_hours_add() -> None:
    old = [Window(0, 18 * 60, 21 * 60)]
    assert windows_added(old, [Window(0, 17 * 60, 22 * 60)]) == (
        Window(0, 17 * 60, 18 * 60),
        Window(0, 21 * 60, 22 * 60),
    )
    assert windows_added(old, [Window(0, 19 * 60, 20 * 60)]) == ()
    assert windows_added([], [Window(5, 600, 780)]) == (Window(5, 600, 780),)
