"""Mentor posts and office hours (issue #15 items 5-6) through the real runner and dialogs:
a post published to the mentor's communities through the bridge (RecordingBridges on linked
chats), shown on the profile and in what matching indexes, deleted everywhere; office hours
announced with a button per slot that opens booking at that slot."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest
from sqlalchemy import select

from core.app import CoreApp
from core.booking.payloads import Bk
from core.clock import ManualClock
from core.db.badges import UserBadge
from core.db.engine import Database
from core.db.posts import MentorPost, PostHelpfulMark
from core.db.relay import RelayJob
from core.dialogs.posts import Oh
from core.messaging import Actor, Button, CommandIn, Reply
from core.services.posts import excerpt
from core.uow import unit_of_work
from matching.index import load_records
from tests.relay_support import RecordingBridge
from tests.support import ChatDriver, RecordingChannel, make_core, rebuilt
from tests.unit.dialog_helpers import apply_as_mentor
from tests.unit.test_booking import _approve
from tests.unit.test_communities import admin_creates
from tests.unit.test_onboarding import onboard_learner
from tests.unit.test_relay import DC, TG, link, settle

BODY = "Use *list comprehensions* when the loop only builds a list.\n- short\n- readable"


@pytest.fixture
async def world(
    db: Database, clock: ManualClock
) -> tuple[CoreApp, ChatDriver, dict[str, RecordingBridge]]:
    """Python Learners linked to a Telegram group and a Discord channel; Meera, an approved
    Python mentor, is a member."""
    core = await make_core(db, clock, admins=["console:admin", "telegram:boss", "discord:boss"])
    code = await admin_creates(core, "Python Learners", "Python", "public")
    for chat in (TG, DC):
        assert "Linked to Python Learners" in await link(core, chat, code)
    bridges = {p: RecordingBridge(p) for p in ("telegram", "discord")}
    for b in bridges.values():
        core.relay.register(b)
    meera = await apply_as_mentor(core, "meera", skills="Python: advanced", price="free")
    await _approve(core)
    await meera.say(f"/community join {code}")
    assert "You're in *Python Learners*" in meera.text()
    return core, meera, bridges


async def write(meera: ChatDriver, title: str = "Comprehensions, briefly") -> None:
    await meera.say("/post new")
    assert "title" in meera.text()
    await meera.say(title)
    await meera.say(BODY)
    assert "Which skills" in meera.text()
    await meera.say("Python")
    assert "*Preview*" in meera.text()


async def test_a_mentor_publishes_a_post_announced_once_with_a_book_button(
    world, clock: ManualClock
) -> None:  # type: ignore[no-untyped-def]
    core, meera, b = world
    await write(meera)
    assert "Skills: Python" in meera.text()
    await meera.press("Publish")
    assert "Published [Comprehensions, briefly](http://127.0.0.1:8080/posts/1)" in meera.text()
    assert "announced in 1 of your communities" in meera.text()
    await settle(core, clock)
    for plat, chat in (("telegram", "-100"), ("discord", "c1")):
        (shown,) = b[plat].chats[chat].values()  # once per chat
        assert shown.text.startswith("*Meera* · Web\n📝 *Comprehensions, briefly*\n")
        assert "Use list comprehensions when the loop only builds a list." in shown.text
        assert "[Read and discuss](http://127.0.0.1:8080/posts/1)" in shown.text
        book, helpful = [x for row in shown.buttons for x in row]
        assert isinstance(book, Button) and book.label == "📅 Book this mentor"
        assert isinstance(helpful, Button) and helpful.label == "👍 Helpful"
        p = Bk.parse(book.payload)
        assert p is not None and p.what == "book"
    # The web room shows it too, and the post is on the mentor's profile.
    history = await core.room_history(1)
    assert "📝 *Comprehensions, briefly*" in history[-1].text
    await meera.say("/profile")
    assert "Posts: [Comprehensions, briefly](http://127.0.0.1:8080/posts/1)" in meera.text()


async def test_a_learner_presses_book_on_the_announcement(world, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    core, meera, b = world
    await write(meera)
    await meera.press("Publish")
    await settle(core, clock)
    (shown,) = b["telegram"].chats["-100"].values()
    asha = await onboard_learner(core, "asha")
    await asha.press("Book this mentor", [Reply(shown.text, buttons=shown.buttons)])
    assert "How long a session with *Meera*" in asha.text()


async def test_edit_in_the_preview_and_cancel(world) -> None:  # type: ignore[no-untyped-def]
    core, meera, _ = world
    await write(meera)
    await meera.press("Edit")
    await meera.press("Title")
    await meera.say("A better title")
    assert "*Preview*" in meera.text() and "📝 *A better title*" in meera.text()
    await meera.press("Cancel")
    assert "Nothing was published" in meera.text()
    async with core.db.transaction() as s:
        assert list(await s.scalars(select(MentorPost))) == []


async def test_bad_input_is_refused_and_progress_kept(world) -> None:  # type: ignore[no-untyped-def]
    _, meera, _ = world
    await meera.say("/post new")
    await meera.say("x" * 121)
    assert "A title is 3 to 120 characters." in meera.text()
    await meera.say("Fine title")
    await meera.say("too short")
    assert "A post is 20 to 4000 characters." in meera.text()
    await meera.say(BODY)
    await meera.say("zzqx")
    assert "I didn't find a skill I know" in meera.text()


async def test_a_learner_cannot_post(world) -> None:  # type: ignore[no-untyped-def]
    core, _, _ = world
    asha = await onboard_learner(core, "asha")
    await asha.say("/post new")
    assert "Posts and office hours are for approved mentors" in asha.text()
    await asha.say("/post hours")
    assert "Posts and office hours are for approved mentors" in asha.text()


async def test_the_post_feeds_what_matching_indexes(world) -> None:  # type: ignore[no-untyped-def]
    core, meera, _ = world
    async with core.db.transaction() as s:
        (before,) = await load_records(s)
    assert "Comprehensions" not in before.text()
    await write(meera, "Comprehensions and generators")
    await meera.press("Publish")
    async with core.db.transaction() as s:
        (after,) = await load_records(s)
    assert "Comprehensions and generators" in after.text()
    assert "Use list comprehensions when the loop only builds a list" in after.text()


async def test_list_and_delete_removes_the_announcement_everywhere(
    world, clock: ManualClock
) -> None:  # type: ignore[no-untyped-def]
    core, meera, b = world
    await write(meera)
    await meera.press("Publish")
    await settle(core, clock)
    await meera.say("/post")
    assert "*Your posts*" in meera.text() and "Comprehensions, briefly" in meera.text()
    await meera.press("Delete Comprehensions")
    assert "Deleted “Comprehensions, briefly”" in meera.text()
    assert await core.post(1) is None
    async with core.db.transaction() as s:
        ops = [j.op for j in await s.scalars(select(RelayJob).order_by(RelayJob.id))]
        (after,) = await load_records(s)
    assert ops.count("delete") == 2  # one per linked chat
    assert "Comprehensions" not in after.text()
    await settle(core, clock)
    assert b["telegram"].chats["-100"] == {} and b["discord"].chats["c1"] == {}
    assert ("delete", "-100", "1001") in b["telegram"].calls
    await meera.say("/posts")
    assert "You haven't published a post yet" in meera.text()
    await meera.say("/profile")
    assert "Posts:" not in meera.text()


async def test_office_hours_buttons_open_booking_at_that_slot(world, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    core, meera, b = world
    await meera.say("/post")
    await meera.press("Office hours")
    text = meera.text()
    assert "🕒 *Office hours with Meera*" in text and "Open 10-minute sessions:" in text
    assert "Mon 23 Nov, 18:00 (Asia/Kolkata)" in text
    await meera.press("Announce in Python Learners")
    assert "Office hours announced in Python Learners" in meera.text()
    await settle(core, clock)
    (shown,) = b["discord"].chats["c1"].values()
    slots = [x for row in shown.buttons for x in row]
    assert 1 < len(slots) <= 5
    first = slots[0]
    assert isinstance(first, Button) and first.label == "📅 Mon 23 Nov, 18:00"
    p = Oh.parse(first.payload)
    assert p is not None and p.length == 10
    starts = [Oh.unpack(x.payload).at for x in slots if isinstance(x, Button)]
    assert all(b - a >= 30 * 60 for a, b in pairwise(starts))
    asha = await onboard_learner(core, "asha")
    await asha.press("Mon 23 Nov, 18:00", [Reply(shown.text, buttons=shown.buttons)])
    assert "Booking *Meera* for Mon 23 Nov, 18:00 (Asia/Kolkata)" in asha.text()
    assert "What would you like to cover?" in asha.text()
    await asha.say("Decorators confuse me")
    assert "Mon 23 Nov, 18:00 (Asia/Kolkata)" in asha.text()
    await asha.press("Send request")
    assert "Request sent to *Meera*" in asha.text()
    # The same slot pressed again is taken now: the usual day choice instead.
    ravi = await onboard_learner(core, "ravi")
    await ravi.press("Mon 23 Nov, 18:00", [Reply(shown.text, buttons=shown.buttons)])
    assert "That time isn't free any more." in ravi.text() and "Which day?" in ravi.text()


async def test_office_hours_only_in_ones_own_communities(world) -> None:  # type: ignore[no-untyped-def]
    core, _, _ = world
    other = await apply_as_mentor(core, "kiran", skills="Python: advanced", price="free")
    await _approve(core)
    await other.say("/post hours")
    assert "Join a community first" in other.text()


async def test_replies_to_the_announcement_are_the_discussion(world, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    core, meera, b = world
    await write(meera)
    await meera.press("Publish")
    await settle(core, clock)
    (dc_copy,) = b["discord"].chats["c1"]
    (tg_copy,) = b["telegram"].chats["-100"]
    ravi = Actor("discord", "guild1", "ravi", "Ravi")
    assert await core.relay_said(ravi, DC, "d1", "Nice, what about generators?", reply_to=dc_copy)
    await settle(core, clock)
    (answer,) = [s for s in b["telegram"].chats["-100"].values() if s.id != tg_copy]
    assert answer.reply_to == tg_copy and "generators" in answer.text
    history = await core.room_history(1)
    assert history[-1].reply_to == history[-2].id


def test_the_teaser_is_about_300_characters_of_plain_text() -> None:
    body = "*Bold* start. " + "word " * 200
    short = excerpt(body)
    assert short.startswith("Bold start. word") and short.endswith("…")
    assert 250 < len(short) <= 300 and "*" not in short


async def test_the_post_form_fills_the_same_preview(world, clock: ManualClock) -> None:  # type: ignore[no-untyped-def]
    """Where a platform has forms (Slack and Discord modals), /post new is one form."""
    core, meera, b = world
    assert core.form_for(CommandIn("post", "new")) == "post"
    form = await core.open_form(meera.actor, "post")
    assert form is not None and [f.key for f in form.fields] == ["title", "body", "tags"]
    bad = await core.submit_form(meera.actor, "post", {"title": "x", "body": BODY, "tags": "zzqx"})
    assert set(bad.errors) == {"title", "tags"} and not bad.replies
    ok = await core.submit_form(
        meera.actor, "post", {"title": "Via a form", "body": BODY, "tags": "Python"}
    )
    assert ok.ok and "*Preview*" in ok.replies[0].text and "Skills: Python" in ok.replies[0].text
    await meera.press("Publish", list(ok.replies))
    assert "Published [Via a form]" in meera.text()
    await settle(core, clock)
    (shown,) = b["discord"].chats["c1"].values()
    assert "📝 *Via a form*" in shown.text
    asha = await onboard_learner(core, "asha")
    assert await core.open_form(asha.actor, "post") is None
    refused = await core.submit_form(asha.actor, "post", {"title": "Mine", "body": BODY})
    assert "Posts and office hours are for approved mentors" in refused.replies[0].text


async def test_members_mark_a_post_helpful_once_and_its_author_gets_the_badge_once(
    world: tuple[CoreApp, ChatDriver, dict[str, RecordingBridge]], clock: ManualClock
) -> None:
    core, meera, b = world
    inbox = RecordingChannel("console")
    core.delivery.register(inbox)
    # Two marks earn the badge here (the policy; 5 by default).
    core = rebuilt(core, policies=replace(core.deps.policies, badge_helpful_marks=2))
    await write(meera)
    await meera.press("Publish")
    await settle(core, clock)
    (shown,) = b["telegram"].chats["-100"].values()
    post = [Reply(shown.text, buttons=shown.buttons)]
    asha, ravi, kiran = [await onboard_learner(core, n) for n in ("asha", "ravi", "kiran")]
    await asha.press("Helpful", post)
    assert "Thanks, marked “Comprehensions, briefly” helpful" in asha.text()
    await asha.press("Helpful", post)
    assert "already marked “Comprehensions, briefly” helpful" in asha.text()
    own = ChatDriver(core, "meera")
    await own.press("Helpful", post)
    assert "your own post" in own.text()
    async with core.db.transaction() as s:
        assert len(list(await s.scalars(select(PostHelpfulMark)))) == 1
        assert list(await s.scalars(select(UserBadge))) == []
    await ravi.press("Helpful", post)
    await kiran.press("Helpful", post)
    async with core.db.transaction() as s:
        assert len(list(await s.scalars(select(PostHelpfulMark)))) == 3
        held = [(x.kind, x.scope) for x in await s.scalars(select(UserBadge))]
    assert held == [("helpful_posts", "2")]
    told = [r.text for r in inbox.inbox.get("meera", []) if "New badge" in r.text]
    assert told == ["🏅 New badge: *💡 helpful posts*. See yours with /badges."]
    # Recomputing from history gives the same badge and tells nobody again.
    async with unit_of_work(core.deps) as u:
        assert ((await u.badges.held()) - (await u.badges.recompute())) == set()
        assert await u.badges.repair() == (0, 0)
    async with unit_of_work(core.deps) as u:
        for row in await u.session.scalars(select(UserBadge)):
            await u.session.delete(row)
        await u.session.flush()
        assert await u.badges.repair() == (1, 0)
    assert [r.text for r in inbox.inbox.get("meera", []) if "New badge" in r.text] == told
    await meera.say("/badges")
    assert "💡 helpful posts" in meera.text(), meera.text()
    # A broken or stale button is answered, never a traceback.
    await asha.press("Helpful", [Reply("x", buttons=((Button("👍 Helpful", "hp:999"),),))])
    assert "doesn't exist" in asha.text(), asha.text()
