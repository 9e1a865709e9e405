"""`/admin broadcast` (issue 17): segment, text, preview with the count, confirm; queued
through the outbox to exactly the segment (never to suspended or merged-away people)."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.db.communities import Community, CommunityMember
from core.db.schema import AuditEntry, MentorProfile, User, UserSkill
from core.messaging import ActionIn
from tests.admin_support import person
from tests.support import ChatDriver, RecordingChannel, find_button


async def _people(core: CoreApp) -> dict[str, int]:
    ids = {n: await person(core, n) for n in ("mira", "leo", "tara", "zed")}
    now = core.deps.clock.now()
    async with core.db.transaction() as s:
        s.add(MentorProfile(user_id=ids["mira"], headline="Go", status="approved"))
        for n in ("leo", "tara"):
            user = await s.get(User, ids[n])
            assert user is not None
            user.wants_to_learn = True
        python = core.catalog.index.exact("python")
        assert python is not None
        s.add(UserSkill(user_id=ids["tara"], skill_id=python.id, kind="learn", level="beginner"))
        c = Community(
            slug="pune-devs",
            name="Pune Devs",
            description="",
            visibility="public",
            invite_code="PUNE1",
            created_by=ids["mira"],
            created_at=now,
        )
        s.add(c)
        await s.flush()
        for n in ("mira", "zed"):
            s.add(CommunityMember(community_id=c.id, user_id=ids[n], role="member", joined_at=now))
    return ids


def _got(inbox: RecordingChannel, text: str) -> set[str]:
    return {who for who, replies in inbox.inbox.items() if any(text in r.text for r in replies)}


async def test_broadcast_to_learners_after_a_preview(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    await _people(core)
    admin = ChatDriver(core, "admin")
    await admin.say("/admin broadcast")
    assert "who should get it?" in admin.text()
    await admin.press("Learners")
    await admin.say("x")
    assert "3 to 2000 characters" in admin.text()
    await admin.say("New: office hours every Friday <b>6pm</b>")
    assert "to learners, 2 people" in admin.text()
    assert "office hours every Friday" in admin.text()
    assert _got(inbox, "office hours") == set()  # nothing before the confirmation
    await admin.press("Confirm")
    assert "Queued for 2 people" in admin.text()
    assert _got(inbox, "office hours every Friday") == {"leo", "tara"}
    sent = next(r.text for r in inbox.inbox["leo"] if "office hours" in r.text)
    assert "From the MentorBot team" in sent and "<b>" in sent  # shown as typed
    async with core.db.transaction() as s:
        [entry] = await s.scalars(select(AuditEntry).where(AuditEntry.action == "broadcast"))
    assert entry.target == "segment:learners:0" and entry.detail.startswith("to 2:")


async def test_segments_community_skill_and_mentors(core: CoreApp, inbox: RecordingChannel) -> None:
    ids = await _people(core)
    admin = ChatDriver(core, "admin")
    await admin.say("/admin broadcast")
    await admin.press("A community")
    await admin.say("nowhere")
    assert "No community matches" in admin.text()
    await admin.say("pune")
    await admin.say("Meetup on Saturday")
    assert "members of Pune Devs, 2 people" in admin.text()
    await admin.press("Confirm")
    assert _got(inbox, "Meetup on Saturday") == {"mira", "zed"}

    await admin.say("/admin broadcast")
    await admin.press("A skill")
    await admin.say("pyhton")  # a typo is understood
    await admin.say("Python study group")
    assert "people with Python, 1 person" in admin.text()
    await admin.press("Confirm")
    assert _got(inbox, "Python study group") == {"tara"}

    # A suspended mentor gets nothing.
    await admin.say(f"/admin suspend {ids['zed']} spam")
    await admin.say("/admin broadcast")
    await admin.press("Everyone")
    await admin.say("Maintenance tonight")
    await admin.press("Cancel")
    assert "Not sent" in admin.text()
    assert _got(inbox, "Maintenance tonight") == set()
    await admin.say("/admin broadcast")
    await admin.press("Everyone")
    await admin.say("Maintenance tonight")
    await admin.press("Confirm")
    assert "zed" not in _got(inbox, "Maintenance tonight")
    assert {"mira", "leo", "tara", "admin"} <= _got(inbox, "Maintenance tonight")

    await admin.say("/admin broadcast")
    await admin.press("Mentors")
    await admin.say("Mentor survey")
    await admin.press("Confirm")
    assert _got(inbox, "Mentor survey") == {"mira"}


async def test_a_non_admin_cannot_broadcast(core: CoreApp, inbox: RecordingChannel) -> None:
    await _people(core)
    admin = ChatDriver(core, "admin")
    await admin.say("/admin broadcast")
    segments = admin.last
    mallory = ChatDriver(core, "mallory")
    await mallory.say("/admin broadcast")
    assert "Only admins" in mallory.text()
    await mallory.send(ActionIn(find_button(segments, "Everyone")))
    assert "belongs to an earlier conversation" in mallory.text()
    assert _got(inbox, "📣") == set()
