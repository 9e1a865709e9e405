"""Learner → mentor upgrade (issue 19, part 2): invited once when the criteria are met, the
application prefilled with what they learned, a fast-track note for admins."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from core.app import CoreApp
from core.booking.tables import Booking, SessionRating
from core.db.invites import MentorInvite
from core.events import RatingsRevealed
from core.uow import unit_of_work
from tests.support import ChatDriver, RecordingChannel
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_find import _approve_all, _uid
from tests.unit.test_onboarding import onboard_learner


async def _session_rated(core: CoreApp, mentor: int, learner: int, n: int, stars: int) -> int:
    """A completed session, the mentor's rating of the learner visible."""
    now = core.deps.clock.now()
    start = now - timedelta(days=10 - n)
    async with core.db.transaction() as s:
        b = Booking(
            mentor_id=mentor,
            learner_id=learner,
            starts_at=start,
            ends_at=start + timedelta(minutes=10),
            length_min=10,
            topic="DSA",
            status="completed",
            price_mode="free",
            respond_by=start,
            created_at=start - timedelta(days=1),
            completed_at=start + timedelta(minutes=10),
        )
        s.add(b)
        await s.flush()
        s.add(
            SessionRating(
                booking_id=b.id,
                rater_id=mentor,
                ratee_id=learner,
                role="learner",
                stars=stars,
                created_at=now,
                visible_at=now,
            )
        )
        return b.id


async def _revealed(core: CoreApp, booking_id: int) -> None:
    async with unit_of_work(core.deps) as u:
        u.events.append(RatingsRevealed(booking_id))


def _invites(inbox: RecordingChannel) -> list[str]:
    return [r.text for r in inbox.inbox.get("asha", []) if r.text.startswith("🎓")]


async def test_invited_once_when_criteria_met_and_application_prefilled(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    await apply_as_mentor(core, "meera", skills="Python: advanced", price="free")
    await _approve_all(core)
    asha = await onboard_learner(core, "asha")
    meera_id, asha_id = await _uid(core, "meera"), await _uid(core, "asha")

    for n in (1, 2):
        await _revealed(core, await _session_rated(core, meera_id, asha_id, n, 5))
    assert _invites(inbox) == []  # two sessions: not yet (policy: 3)
    third = await _session_rated(core, meera_id, asha_id, 3, 4)
    await _revealed(core, third)
    [invite] = _invites(inbox)
    assert "completed 3 sessions" in invite and "4.7★" in invite and "Python" in invite
    await _revealed(core, third)  # the same event again, and another session later
    await _revealed(core, await _session_rated(core, meera_id, asha_id, 4, 5))
    assert len(_invites(inbox)) == 1
    async with core.db.transaction() as s:
        assert len(list(await s.scalars(select(MentorInvite)))) == 1

    invite_reply = [r for r in inbox.inbox["asha"] if r.text.startswith("🎓")]
    await asha.press("Apply to mentor", invite_reply)
    text = asha.text()
    # Teaching skills came from the invitation: the application goes on past that question.
    assert "At what level can you teach Data Structures & Algorithms, Python?" in text, text


async def test_low_rated_learner_is_not_invited(core: CoreApp, inbox: RecordingChannel) -> None:
    await apply_as_mentor(core, "meera", skills="Python: advanced", price="free")
    await _approve_all(core)
    await onboard_learner(core, "asha")
    meera_id, asha_id = await _uid(core, "meera"), await _uid(core, "asha")
    for n in (1, 2, 3):
        await _revealed(core, await _session_rated(core, meera_id, asha_id, n, 3))
    assert _invites(inbox) == []


async def test_admins_see_the_fast_track_note(core: CoreApp, inbox: RecordingChannel) -> None:
    await apply_as_mentor(core, "meera", skills="Python: advanced", price="free")
    await _approve_all(core)
    asha = await onboard_learner(core, "asha")
    meera_id, asha_id = await _uid(core, "meera"), await _uid(core, "asha")
    for n in (1, 2, 3):
        await _revealed(core, await _session_rated(core, meera_id, asha_id, n, 5))
    await asha.press("Apply to mentor", [r for r in inbox.inbox["asha"] if "🎓" in r.text])
    await asha.press("Advanced")
    assert "Got it: Data Structures & Algorithms (advanced), Python (advanced)" in asha.text()
    await asha.press("Weekday evenings")
    await asha.say("Asha · learner turned mentor")
    await asha.say("I learned Python and DSA here and now I want to pass it on to others.")
    await asha.say("1")
    await asha.say("free")
    await asha.press("10, 20, 30")
    await asha.press("Skip")
    assert "Your mentor application is with the admins" in asha.text(), asha.text()
    admin = ChatDriver(core, "admin")
    await admin.say("/admin pending")
    assert "⚡ Fast track: invited to teach after 3 sessions as a learner, rated 5.0★" in (
        admin.text()
    ), admin.text()
    assert "Python" in admin.text()
