"""A conversation in plain words (issue #26): the messages the issue quotes, through the real
runner and dialogs, get the answer a person would expect."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.db.schema import Conversation, Skill, User, UserSkill
from tests.booking_support import add_mentor
from tests.support import ChatDriver, answer_age
from tests.unit.test_onboarding import _skills, _user


async def _dialog(core: CoreApp) -> tuple[str | None, str | None]:
    async with core.db.transaction() as s:
        conv = (await s.scalars(select(Conversation).order_by(Conversation.id.desc()))).first()
        assert conv is not None
        return conv.dialog, conv.state


async def _python_mentor(core: CoreApp, name: str = "Meera") -> int:
    async with core.db.transaction() as s:
        uid = await add_mentor(s, name, core.clock.now())
        python = await s.scalar(select(Skill.id).where(Skill.name == "Python"))
        assert python is not None
        s.add(UserSkill(user_id=uid, skill_id=python, kind="teach", level="advanced"))
    async with core.db.transaction() as s:
        await core.catalog.refresh(s)
    return uid


async def newcomer(core: CoreApp, name: str) -> ChatDriver:
    c = ChatDriver(core, name)
    await c.say("/start")
    assert "What would you like to do?" in c.text()
    return c


async def up_to_languages(c: ChatDriver) -> None:
    """A learner who answered name, skill, level and skipped goals: languages is next."""
    await c.press("Learn")
    await c.say("Priya")
    await answer_age(c)
    await c.say("python")
    await c.press("Beginner")
    await c.press("Skip for now")


async def test_a_greeting_gets_a_greeting_and_the_choices(core: CoreApp) -> None:
    c = await newcomer(core, "gita")
    await c.say("hii 👋")
    assert "Hi! 👋" in c.text() and "What would you like to do?" in c.text()


async def test_wanting_to_learn_shows_matches_at_once(core: CoreApp) -> None:
    await _python_mentor(core)
    c = await newcomer(core, "arjun")
    await c.say("I want to learn python")
    assert "Meera" in c.text()
    assert (await _dialog(core))[0] == "find"
    # What they asked for is kept for later: booking won't ask it again.
    user = await _user(core, "arjun")
    assert not user.onboarded
    assert await _skills(core, user.id, "learn") == {"Python": "beginner"}


async def test_booking_asks_for_a_profile_then_goes_on_to_the_booking(core: CoreApp) -> None:
    await _python_mentor(core)
    c = await newcomer(core, "kabir")
    await c.say("find me a mentor for python")
    await c.press("Meera")
    await c.press("Book")
    assert "Before you book" in c.text() and "call you" in c.text()
    await c.say("call me Kabir")
    assert "Nice to meet you, Kabir!" in c.text()
    await answer_age(c, "I'm 19")
    await c.say("Mumbai")
    assert "Let's pick a time" in c.text()
    # No availability question follows here, so no "Change time zone" button to point at.
    assert "Change time zone" not in c.text() and "/profile → Time zone" in c.text()
    assert (await _dialog(core))[0] == "book"
    user = await _user(core, "kabir")
    assert user.onboarded and user.timezone == "Asia/Kolkata" and user.display_name == "Kabir"


async def test_offering_to_teach_starts_the_application_with_the_skill(core: CoreApp) -> None:
    c = await newcomer(core, "ravi")
    await c.say("I can teach React")
    assert "mentor" in c.text() and "call you" in c.text()
    await c.say("Ravi Kumar")
    await answer_age(c)
    # React was said already: it is read as the answer, its level is asked next.
    assert "React" in c.text()
    user = await _user(core, "ravi")
    assert user.wants_to_mentor and not user.wants_to_learn


async def test_questions_about_the_product_get_true_answers_from_the_policies(
    core: CoreApp,
) -> None:
    c = await newcomer(core, "neha")
    await c.say("how much does a session cost?")
    assert "₹100" in c.text() and "70/30" in c.text()
    assert "What would you like to do?" in c.text()  # then the next step
    await c.say("is it free?")
    assert "free" in c.text() and "2" in c.text()  # starter credits
    await c.say("how do refunds work?")
    assert "3 h before" in c.text()
    await c.say("how does this work?")
    assert "rate the session" in c.text()
    assert (await _dialog(core)) == ("onboarding", "role")


async def test_a_name_that_is_a_word_is_asked_about_once(core: CoreApp) -> None:
    c = await newcomer(core, "x1")
    await c.press("Learn")
    await c.say("help")
    assert "Did you mean “help”, or is “help” your answer?" in c.text()
    await c.press("is my answer")
    assert "Nice to meet you, Help!" in c.text()


async def test_help_at_the_name_question_can_still_mean_help(core: CoreApp) -> None:
    c = await newcomer(core, "x2")
    await c.press("Learn")
    await c.say("Help")
    await c.press("Show help")
    assert "/find" in c.text() and "call you" in c.text()
    assert (await _dialog(core)) == ("onboarding", "name")


async def test_cancel_always_works_even_at_the_skills_question(core: CoreApp) -> None:
    c = await newcomer(core, "x3")
    await c.press("Learn")
    await c.say("I'm Priya")
    assert "Nice to meet you, Priya!" in c.text()
    await c.say("cancle")  # a typo
    assert "Cancelled setting up your profile" in c.text()
    assert "Dance" not in c.text()


async def test_skills_in_a_sentence(core: CoreApp) -> None:
    c = await newcomer(core, "x4")
    await c.press("Learn")
    await c.say("Priya")
    await answer_age(c)
    await c.say("python please, and some sql")
    assert "Python" in c.text() and "SQL" in c.text()
    assert "Did you mean" not in c.text()


async def test_back_goes_to_the_previous_question_and_start_over_restarts(
    core: CoreApp,
) -> None:
    c = await newcomer(core, "x5")
    await c.press("Learn")
    await c.say("Priya")
    await c.say("go back")
    assert "call you" in c.text()
    assert (await _dialog(core)) == ("onboarding", "name")
    await c.say("start over")
    assert "Starting setting up your profile again" in c.text()
    assert "What would you like to do?" in c.text()


async def test_outside_a_dialog_plain_words_are_read_too(core: CoreApp) -> None:
    await _python_mentor(core)
    c = await newcomer(core, "x6")
    await c.say("menu")
    await c.say("thanks")
    assert "You're welcome" in c.text()
    await c.say("is anyone free now for python help?")
    assert (await _dialog(core))[0] == "find"
    async with core.db.transaction() as s:
        assert await s.scalar(select(User.id).where(User.display_name == "Meera"))


async def test_languages_places_and_hours_in_phrases(core: CoreApp) -> None:
    c = await newcomer(core, "x7")
    await up_to_languages(c)
    await c.say("I speak English and a bit of Hindi")
    assert "Languages: English, Hindi." in c.text()
    await c.say("I'm in Pune")
    assert "Asia/Kolkata" in c.text()
    await c.say("weekday evenings after 7")
    # What was understood is shown back before the next question.
    assert "Availability: Mon–Fri 19:00–22:00" in c.text()
    assert "All set" in c.text()


async def test_small_talk_and_markup_are_not_searched(core: CoreApp) -> None:
    """Issue #22 item 10: "hello?" after /find lists no random mentors; it says how to ask."""
    await _python_mentor(core)
    c = await newcomer(core, "x8")
    await c.say("/find hello?")
    assert "Tell me what you'd like to learn" in c.text() and "Meera" not in c.text()
    await c.say("<script>alert(1)</script>")
    assert "Tell me what you'd like to learn" in c.text() and "Meera" not in c.text()
    await c.say("python")
    assert "Meera" in c.text()


async def test_start_right_after_the_greeting_is_no_welcome_back(core: CoreApp) -> None:
    """Issue #22 item 16: nothing answered yet, so /start just greets again."""
    c = await newcomer(core, "x9")
    await c.say("/start")
    assert "Welcome back" not in c.text() and "What would you like to do?" in c.text()
    await c.press("Learn")
    await c.say("/start")
    assert "Welcome back" in c.text() and "call you" in c.text()


async def test_a_misspelt_city_is_offered_as_cities_not_zone_names(core: CoreApp) -> None:
    """Issue #22 item 16: "Banglore" offers "Bangalore (UTC+05:30)", not "Asia/Kolkata"."""
    c = await newcomer(core, "x10")
    await up_to_languages(c)
    await c.say("English")
    await c.say("Banglore")
    labels = [b.label for r in c.last for b in r.all_buttons()]
    assert "Bangalore (UTC+05:30)" in labels and "Asia/Kolkata" not in labels
    await c.press("Bangalore")
    assert "Asia/Kolkata" in c.text()


async def test_your_own_profile_says_your_time(core: CoreApp) -> None:
    c = await newcomer(core, "x11")
    await up_to_languages(c)
    await c.say("English")
    await c.say("Pune")
    await c.press("Weekday evenings")
    assert "Available (your time)" in c.text() and "their time" not in c.text()


async def test_a_guess_is_asked_about_before_it_is_acted_on(core: CoreApp) -> None:
    """A skill named in passing, with no words asking for anything: ask, then search."""
    await _python_mentor(core)
    c = await newcomer(core, "x12")
    await c.say("my college project in python is stuck")
    assert "Shall I find a mentor for" in c.text() and "Meera" not in c.text()
    await c.press("Yes, search")
    assert "Meera" in c.text()
    c2 = await newcomer(core, "x13")
    await c2.say("python stuff for my college project")
    await c2.press("No, show me the choices")
    assert "What would you like to do?" in c2.text() and "Meera" not in c2.text()
