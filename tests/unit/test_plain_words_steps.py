"""Issue #26, item by item: the words that always work at every step of the profile questions,
"find …" typed in the middle of a question, and the first messages and answers the issue
names, through the real runner and dialogs (ChatDriver)."""

from __future__ import annotations

import pytest

from core.app import CoreApp
from core.understand.intents import control_word, find_words, read_intent
from matching.embed import HashingEmbedder
from matching.engine import MatchConfig, MatchingEngine
from matching.experiments import Experiment
from tests.support import ChatDriver, rebuilt
from tests.unit.test_plain_words import _dialog, _python_mentor, newcomer

STEPS = (
    "name",
    "age",
    "learn_skills",
    "skill_level",
    "goals",
    "languages",
    "timezone",
    "availability",
)
BEFORE = {
    "age": "name",
    "learn_skills": "age",
    "skill_level": "learn_skills",
    "goals": "learn_skills",
    "languages": "goals",
    "timezone": "languages",
    "availability": "timezone",
}


async def _at(core: CoreApp, who: str, step: str) -> ChatDriver:
    """A newcomer who chose Learn and answered up to `step`."""
    c = await newcomer(core, who)
    await c.press("Learn")
    answers: list[tuple[str, str]] = [
        ("say", "Priya"),
        ("press", "18 or older"),
        ("say", "python"),
        ("press", "Beginner"),
        ("press", "Skip for now"),
        ("say", "English"),
        ("say", "Pune"),
    ]
    for kind, value in answers[: STEPS.index(step)]:
        await (c.say(value) if kind == "say" else c.press(value))
    assert await _dialog(core) == ("onboarding", step)
    return c


@pytest.mark.parametrize("step", STEPS[1:])
async def test_help_cancel_back_menu_start_over_work_at_every_step(
    core: CoreApp, step: str
) -> None:
    c = await _at(core, f"{step}-help", step)
    await c.say("Help")
    assert "/find" in c.text() and await _dialog(core) == ("onboarding", step)

    c = await _at(core, f"{step}-cancel", step)
    await c.say("STOP")
    assert "Cancelled setting up your profile" in c.text()
    assert await _dialog(core) == (None, None)

    c = await _at(core, f"{step}-back", step)
    await c.say("go bck")  # a typo
    assert await _dialog(core) == ("onboarding", BEFORE[step])

    c = await _at(core, f"{step}-menu", step)
    await c.say("menuu")
    assert "Left setting up your profile" in c.text()
    assert "What would you like to do?" in c.text()

    c = await _at(core, f"{step}-restart", step)
    await c.say("start over pls")
    assert "Starting setting up your profile again" in c.text()
    assert await _dialog(core) == ("onboarding", "role")


async def test_at_the_name_question_every_word_is_asked_about_once(core: CoreApp) -> None:
    for word, label in (("cancel", "Cancel"), ("back", "Go back"), ("menu", "Main menu")):
        c = await _at(core, f"name-{word}", "name")
        await c.say(word)
        assert f"Did you mean “{word}”" in c.text()
        await c.press(label)
        assert await _dialog(core) != ("onboarding", "name") or word == "back"


async def test_find_in_the_middle_of_a_question_is_asked_about_then_searches(
    core: CoreApp,
) -> None:
    await _python_mentor(core)
    c = await _at(core, "f1", "learn_skills")
    await c.say("find python")
    assert "Shall I search for “python” now" in c.text()
    await c.press("Search now")
    assert "Left setting up your profile" in c.text() and "Meera" in c.text()
    assert (await _dialog(core))[0] == "find"


async def test_find_that_is_really_the_answer_stays_the_answer(core: CoreApp) -> None:
    c = await _at(core, "f2", "goals")
    await c.say("find a job as a data analyst")
    await c.press("It's my answer")
    assert await _dialog(core) == ("onboarding", "languages")


async def test_first_message_help_gets_help_then_the_choices(core: CoreApp) -> None:
    c = await newcomer(core, "h1")
    await c.say("help")
    assert "/find" in c.text() and "What would you like to do?" in c.text()


async def test_first_message_in_hinglish_shows_matches(core: CoreApp) -> None:
    await _python_mentor(core)
    c = await newcomer(core, "h2")
    await c.say("mujhe python sikhna hai")
    assert "Meera" in c.text() and (await _dialog(core))[0] == "find"


async def _matching(core: CoreApp) -> CoreApp:
    """The core with the recommender on (as in production), over a Python mentor Meera."""
    await _python_mentor(core)
    eng = MatchingEngine(
        core.db,
        core.catalog,
        HashingEmbedder(),
        MatchConfig(experiment=Experiment("t", ("hybrid", "content"), treatment_share=0.0)),
    )
    await eng.start(core.clock.now(), load_model_in_background=False)
    return rebuilt(core, recommender=eng)


@pytest.mark.parametrize(
    "text",
    [
        "python mentor under 500",
        "find me a mentor for python interviews this weekend",
        "need help with Python loops tonight",
        "is anyone free now for python help?",
    ],
)
async def test_a_first_message_wanting_to_learn_shows_matches(core: CoreApp, text: str) -> None:
    app = await _matching(core)
    c = await newcomer(app, "h3")
    await c.say(text)
    assert "Meera" in c.text() and (await _dialog(app))[0] == "find"


async def test_anyone_free_now_for_python_with_chat_spelling(core: CoreApp) -> None:
    await _python_mentor(core)
    c = await newcomer(core, "h4")
    await c.say("is any1 free rn for pyhton??")
    assert "Meera" in c.text() and (await _dialog(core))[0] == "find"


async def test_several_skills_and_levels_from_one_answer(core: CoreApp) -> None:
    c = await _at(core, "s1", "learn_skills")
    await c.say("I'm decent at React and learning Go")
    assert "React" in c.text() and "Go" in c.text()
    assert "Did you mean" not in c.text()


async def test_weekends_as_availability(core: CoreApp) -> None:
    c = await _at(core, "w1", "availability")
    await c.say("weekends")
    assert "Availability: Sat" in c.text() and "All set" in c.text()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("gud mrng", "greet"),
        ("heyy 👋", "greet"),
        ("wat all can u do", "help"),
        ("anyone who can teach me excel?", "find"),
        ("can help ppl with system design", "teach"),
        ("sign me up as mentor for guitar", "teach"),
        ("any free trial?", "ask_free"),
        ("how r mentors verified", "ask_how"),
        ("can i swap skills with someone", "ask_credits"),
        ("nvm", "cancel"),
        ("go to home", "menu"),
        ("start fresh", "restart"),
    ],
)
def test_chat_spellings_and_wordings_are_read(text: str, intent: str) -> None:
    assert read_intent(text).intent == intent


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("stop stop", "cancel"),
        ("hlp", "help"),
        ("oops go back i typed wrong", "back"),
        ("help??? what is this asking", "help"),
        ("restart the whole thing", "restart"),
        ("Backiya", None),
        ("Menezes", None),
        ("go back to college", None),
        ("Help desk", None),
        # A polite lead or tail around a whole phrase ("start from scratch" is the phrase).
        ("lets start from scratch", "restart"),
        ("Start from scratch please", "restart"),
        ("can we start from the beginning pls", "restart"),
        ("my name is start", None),
        ("start", None),
    ],
)
def test_words_that_always_work_and_answers_that_are_not_them(text: str, word: str | None) -> None:
    assert control_word(text) == word


def test_find_words() -> None:
    assert find_words("find python") == "python"
    assert find_words("Search for a mentor in SQL please") == "sql"
    assert find_words("find") == ""
    assert find_words("python") is None


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("what exactly is mentorbot", "ask_how"),  # no rule knows it; the nearest examples do
        ("what can u do", "help"),
        ("blah blah", "unknown"),  # nothing near: still unknown
    ],
)
def test_the_nearest_labelled_examples_place_what_the_rules_cannot(text: str, intent: str) -> None:
    assert read_intent(text).intent == intent


def test_the_nearest_examples_never_start_a_search_or_an_application() -> None:
    from core.understand.intents import _NEAREST_MAY, _prepared
    from core.understand.nearest import NearestIntent, tuning_examples

    examples = tuning_examples()  # the tuning set only, never the held-out one
    assert len(examples) >= 300 and {i for _, i in examples} >= {"find", "teach", "ask_how"}
    assert not {"find", "teach", "unknown"} & _NEAREST_MAY
    # The vote and the single nearest example must agree.
    split = NearestIntent(
        [("price of a session", "ask_price"), ("session", "ask_how")] * 2, _prepared
    )
    intent, sim = split.place("price of a session")
    assert intent == "ask_price" and sim == pytest.approx(1.0)
    assert split.place("session")[0] in ("ask_how", "unknown")
