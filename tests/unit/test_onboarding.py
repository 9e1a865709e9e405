"""Onboarding, every step with good and bad input, through the real dialog runner."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.db.schema import MentorProfile, Skill, User, UserLanguage, UserSkill
from core.messaging import ActionIn
from tests.support import ChatDriver, RecordingChannel, answer_age, find_button


async def _user(core: CoreApp, name: str) -> User:
    async with core.db.transaction() as s:
        from core.db.schema import Account

        acc = await s.scalar(select(Account).where(Account.external_id == name))
        assert acc is not None
        user = await s.get(User, acc.user_id)
        assert user is not None
        return user


async def _skills(core: CoreApp, user_id: int, kind: str) -> dict[str, str]:
    async with core.db.transaction() as s:
        rows = await s.execute(
            select(Skill.name, UserSkill.level)
            .join(Skill, Skill.id == UserSkill.skill_id)
            .where(UserSkill.user_id == user_id, UserSkill.kind == kind)
        )
        return {r[0]: r[1] for r in rows}


async def onboard_learner(core: CoreApp, name: str = "asha") -> ChatDriver:
    c = ChatDriver(core, name)
    await c.say("/start")
    assert "What would you like to do?" in c.text()
    await c.press("Learn")
    assert "call you" in c.text()
    await c.say("Asha Rao")
    assert "How old are you?" in c.text()
    await c.press("18 or older")
    await c.say("pyhton, DSA")
    assert "“pyhton” → *Python*" in c.text()
    await c.press("Beginner")
    assert "achieve" in c.text()
    await c.say("Crack a product-company interview")
    await c.say("English, Hindi")
    await c.say("Bangalore")
    assert "Asia/Kolkata" in c.text()
    assert "Tap “Change time zone” below" in c.text()
    find_button(c.last, "Change time zone")  # the button the message points at is there
    await c.press("Skip for now")
    assert "All set" in c.text()
    return c


async def test_learner_journey_saves_everything(core: CoreApp) -> None:
    c = await onboard_learner(core)
    user = await _user(core, "asha")
    assert user.onboarded and user.wants_to_learn and not user.wants_to_mentor
    assert user.display_name == "Asha Rao"
    assert user.timezone == "Asia/Kolkata"
    assert user.goals == "Crack a product-company interview"
    assert await _skills(core, user.id, "learn") == {
        "Python": "beginner",
        "Data Structures & Algorithms": "beginner",
    }
    async with core.db.transaction() as s:
        langs = set(
            await s.scalars(select(UserLanguage.code).where(UserLanguage.user_id == user.id))
        )
    assert langs == {"en", "hi"}
    assert "What next?" in c.text()


async def test_bad_input_at_each_step_keeps_progress(core: CoreApp) -> None:
    c = ChatDriver(core, "ravi")
    await c.say("/start")
    await c.say("maybe")
    assert "Please choose Learn, Mentor or Both." in c.text()
    assert "What would you like to do?" in c.text()
    await c.say("both")
    await c.say("x")
    assert "2 to 60 characters" in c.text()
    await c.press("Keep")
    await c.say("soon")
    assert "Please choose your age group" in c.text() and "How old are you?" in c.text()
    await c.say("I'm 31")
    await c.say("   ")
    await c.say("react.js: expert")
    assert "Got it: React (advanced)" in c.text()
    await c.say("Python: guru")
    assert "'guru' isn't a level I know" in c.text()
    await c.press("Advanced")
    await c.say("ab")
    assert "Tell me a little more" in c.text()
    await c.press("Skip")
    await c.say("Klingon")
    assert "I don't know the language “Klingon”" in c.text()
    await c.say("englsh")
    assert "Languages: English." in c.text()
    await c.say("Atlantis")
    assert "couldn't find a time zone" in c.text()
    await c.say("UTC+5:30")
    assert "UTC+05:30" in c.text()
    await c.say("whenever")
    assert "I didn't understand “whenever”" in c.text()
    assert "When are you usually free" in c.text()
    await c.say("skip")
    assert "Mentors need at least one time slot" in c.text()
    await c.say("Mon-Fri 18:00-21:00; Sat 10-13")
    assert "Availability: Mon–Fri 18:00–21:00; Sat 10:00–13:00." in c.text()
    await c.say("Dev")
    assert "5 to 120 characters" in c.text()
    await c.say("SDE at Flipkart · React and Python")
    await c.say("too short")
    assert "20 to 1500 characters (that was 9)" in c.text()
    await c.say("I build frontends at scale and love teaching hooks and state management.")
    await c.say("lots")
    assert "whole number of years" in c.text()
    await c.say("4 years")
    await c.say("cheap")
    assert "amount in rupees" in c.text()
    await c.say("₹150")
    assert "Price: ₹150 per session." in c.text()
    await c.say("45")
    assert "Choose from 10, 20, 30 minutes." in c.text()
    await c.press("10, 20")
    await c.say("AWS SAA certified https://example.com/intro.mp4")
    assert "Your mentor application is with the admins" in c.text()
    user = await _user(core, "ravi")
    assert await _skills(core, user.id, "learn") == {"React": "advanced"}
    assert await _skills(core, user.id, "teach") == {"Python": "advanced"}
    async with core.db.transaction() as s:
        mp = await s.get(MentorProfile, user.id)
    assert mp is not None
    assert (mp.status, mp.price_minor, mp.price_mode) == ("pending", 15000, "paid")
    assert mp.session_lengths == [10, 20]
    assert mp.years_experience == 4
    assert mp.intro_video_url == "https://example.com/intro.mp4"
    assert mp.certifications == "AWS SAA certified"
    assert user.timezone == "UTC+05:30"


async def test_unknown_skill_offers_choices_and_new_tag(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    admin = ChatDriver(core, "admin")
    await admin.say("/menu")
    c = ChatDriver(core, "meena")
    await c.say("/start")
    await c.press("Learn")
    await c.press("Keep")
    await answer_age(c)
    await c.say("Pythn, underwater basket weaving")
    # "Pythn" is one edit from Python: corrected; the second is unknown.
    assert "I don't know the skill “underwater basket weaving”" in c.text()
    await c.say("still nothing like this")
    assert "I still don't recognise" in c.text()
    await c.press("Keep “still nothing")
    assert "What's your level" in c.text()
    await c.press("Intermediate")
    assert "added as a new skill" in c.text()
    async with core.db.transaction() as s:
        tag = await s.scalar(select(Skill).where(Skill.name == "still nothing like this"))
    assert tag is not None and tag.status == "pending"
    assert any("New skill tag to review" in r.text for r in inbox.inbox["admin"])
    await admin.say("/admin tags")
    await admin.press("Approve")
    assert "approved" in admin.text()


async def test_ambiguous_skill_is_never_guessed(core: CoreApp) -> None:
    c = ChatDriver(core, "kiran")
    await c.say("/start")
    await c.press("Learn")
    await c.press("Keep")
    await answer_age(c)
    await c.say("jav")
    assert "I don't know the skill “jav”" in c.text()
    await c.press("Java")
    assert "What's your level in Java" in c.text()


async def test_cancel_keeps_saved_answers_and_start_resumes(core: CoreApp) -> None:
    c = ChatDriver(core, "neha")
    await c.say("/start")
    await c.press("Learn")
    await c.say("Neha")
    await c.say("/cancel")
    assert "Cancelled setting up your profile" in c.text()
    user = await _user(core, "neha")
    assert user.display_name == "Neha" and not user.onboarded
    await c.say("hello?")  # not onboarded yet: free text restarts onboarding
    assert "What would you like to do?" in c.text()


async def test_help_mid_dialog_reasks_the_question(core: CoreApp) -> None:
    c = ChatDriver(core, "om")
    await c.say("/start")
    await c.press("Learn")
    await c.say("/help")
    assert "/find" in c.text()
    assert "You're in the middle of setting up your profile" in c.text()
    assert "call you" in c.text()
    await c.say("Om")
    await answer_age(c)
    assert "Which skills do you want to learn?" in c.text()


async def test_stale_button_is_ignored_with_a_hint(core: CoreApp) -> None:
    c = ChatDriver(core, "zoe")
    first = await c.say("/start")
    await c.press("Learn", first)
    await c.say("Zoe")
    await answer_age(c)
    await c.send(ActionIn("ob:role:mentor"))
    assert "Which skills do you want to learn?" in c.text()
    await c.send(ActionIn("zz:nothing"))
    assert "earlier conversation" in c.text()


async def test_edit_a_field_from_profile(core: CoreApp) -> None:
    c = await onboard_learner(core, "asha")
    await c.say("/profile")
    assert "Asha Rao" in c.text() and "Python (beginner)" in c.text()
    await c.press("Time zone")
    await c.say("London")
    assert "Saved" in c.text()
    user = await _user(core, "asha")
    assert user.timezone == "Europe/London"
    await c.press("Skills to learn")
    assert "Now: Data Structures & Algorithms: beginner, Python: beginner" in c.text()
    await c.say("Go: intermediate")
    assert await _skills(core, user.id, "learn") == {"Go": "intermediate"}


async def test_start_mid_dialog_picks_up_where_it_left_off(core: CoreApp) -> None:
    c = ChatDriver(core, "ira")
    await c.say("/start")
    await c.press("Learn")
    await c.say("Ira")
    await answer_age(c)
    assert "Which skills do you want to learn?" in c.text()
    # A reopened console (or /start tapped in Telegram's menu) must not start over.
    await c.say("/start")
    assert "Welcome back — you were in the middle of setting up your profile" in c.text()
    assert "Which skills do you want to learn?" in c.text()
    assert "What would you like to do?" not in c.text()
    await c.say("python")
    assert "level in Python" in c.text()
    # After /cancel, /start begins again.
    await c.say("/cancel")
    await c.say("/start")
    assert "What would you like to do?" in c.text()
