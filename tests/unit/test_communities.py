"""Communities (issue #15, first part): create, browse by skill, join openly or by invite
code, leave; suggested after onboarding — through the real runner and dialogs."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from core.app import CoreApp
from core.clock import ManualClock
from core.db.schema import Skill
from core.policies import Policies
from tests.e2e.rooms_support import START, book
from tests.support import ChatDriver, RecordingChannel, rebuilt
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_onboarding import onboard_learner


async def admin_creates(core: CoreApp, name: str, skills: str, visibility: str) -> str:
    admin = ChatDriver(core, "admin")
    await admin.say("/community create")
    assert "What's the community called?" in admin.text()
    await admin.say(name)
    await admin.say("Students helping each other with interviews and projects.")
    await admin.say(skills)
    await admin.press(visibility)
    assert f"Created *{name}*" in admin.text() and "You're its owner" in admin.text()
    code = admin.text().split("/community join ")[1].split("`")[0]
    return code


async def test_created_then_suggested_after_onboarding_and_joined(core: CoreApp) -> None:
    await admin_creates(core, "Python Learners", "Python, DSA", "public")
    asha = await onboard_learner(core, "asha")  # learns Python and DSA
    assert "Communities for you" in asha.text() and "Python Learners" in asha.text()
    await asha.press("Join Python Learners")
    assert "You're in *Python Learners* (2 members)" in asha.text()
    await asha.say("/community")
    assert "Your communities" in asha.text() and "Python Learners" in asha.text()
    await asha.say("/community browse python")
    assert "Python Learners" in asha.text()
    assert not any("Join" in b.label for r in asha.last for b in r.all_buttons())
    await asha.say("/community leave")
    await asha.press("Leave Python Learners")
    assert "You left Python Learners" in asha.text()


async def test_invite_only_needs_the_code_and_is_not_listed(core: CoreApp) -> None:
    code = await admin_creates(core, "Secret Club", "Python", "invite")
    ravi = await onboard_learner(core, "ravi")
    assert "Secret Club" not in ravi.text()  # not suggested
    await ravi.say("/community browse python")
    assert "Secret Club" not in ravi.text()
    await ravi.say("/community join WRONGCODE")
    assert "doesn't match a community" in ravi.text()
    await ravi.say(f"/community join {code}")
    assert "You're in *Secret Club*" in ravi.text()


async def test_the_only_owner_cannot_leave_and_learners_cannot_create(core: CoreApp) -> None:
    await admin_creates(core, "Owners Only", "SQL", "public")
    admin = ChatDriver(core, "admin")
    await admin.say("/community leave")
    await admin.press("Leave Owners Only")
    assert "only owner" in admin.text()
    lee = await onboard_learner(core, "lee")
    await lee.say("/community create")
    assert "Admins create communities" in lee.text() and "5 sessions" in lee.text()


async def test_mentors_with_a_record_may_create(core: CoreApp) -> None:
    policies = dataclasses.replace(Policies(), community_creator_min_sessions=0)
    core = rebuilt(core, policies=policies)
    await apply_as_mentor(core, "meera")
    meera = ChatDriver(core, "meera")
    await meera.say("/community create")
    assert "What's the community called?" in meera.text()
    await meera.say("x")
    assert "3 to 80 characters" in meera.text()  # bad input keeps the question
    await meera.say("Kubernetes Circle")
    await meera.say("too short")
    assert "10 to 500 characters" in meera.text()
    await meera.say("Running clusters in production, for beginners and up.")
    await meera.say("nothing i know")
    assert "didn't find a skill" in meera.text()
    await meera.say("Kubernetes, Docker")
    await meera.press("unlisted")
    assert "Created *Kubernetes Circle*" in meera.text()


async def test_a_completed_session_suggests_communities(
    core: CoreApp, clock: ManualClock, inbox: RecordingChannel
) -> None:
    """Issue #15 item 1: after a session, communities about what each side learns or teaches."""
    await admin_creates(core, "Python Learners", "Python", "public")
    _booking, _mentor, learner = await book(core)
    async with core.uow() as u:
        python = await u.session.scalar(select(Skill.id).where(Skill.name == "Python"))
        assert python is not None
        await u.profiles.set_skills(learner, "learn", [(python, "beginner")])
    clock.advance(START + timedelta(hours=1) - clock.now())  # past the end and the grace
    await core.tick()
    told = "\n".join(r.text for r in inbox.inbox["asha"])
    assert "How was your session" in told and "Communities for you" in told
    assert "Python Learners" in told
    assert "Communities for you" not in "\n".join(r.text for r in inbox.inbox["meera"])
