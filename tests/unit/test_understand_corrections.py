"""Readings that generalise (issue #26): corrections, levels said as years or CEFR, slips in
the words the rules key on, and "who can teach X" as a request to learn."""

from __future__ import annotations

import pytest

from core.skills import TypedSkill
from core.understand.intents import read_intent
from core.understand.slots import corrected, read_skills
from mentorbot.dialog_eval import _catalogue

_INDEX = _catalogue()


def _skills(text: str) -> list[TypedSkill]:
    return read_skills(text, lambda n: _INDEX.exact(n) is not None)


def _is_skill(phrase: str) -> bool:
    return bool(_INDEX.names_in(phrase))


def test_a_correction_reads_what_is_meant() -> None:
    assert corrected("no wait, I meant SQL", _is_skill) == "SQL"
    assert corrected("python, not java", _is_skill) == "python"
    # A "not" before anything but a skill stays as written.
    assert corrected("is it not free?", _is_skill) == "is it not free?"
    assert _skills("no wait, I meant SQL") == [TypedSkill("SQL", None)]
    r = read_intent("i want to learn react not angular", _INDEX.names_in)
    assert (r.intent, r.skills) == ("find", ("React",))
    assert read_intent("is it not free?", _INDEX.names_in).intent == "ask_free"


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("spanish A2 level", [TypedSkill("spanish", "beginner")]),
        ("I've used pandas at work for 2 years", [TypedSkill("pandas", "intermediate")]),
        ("django for 6 months", [TypedSkill("django", "beginner")]),
        ("5 yrs of java", [TypedSkill("java", "advanced")]),
        ("python 2 yrs", [TypedSkill("python", "intermediate")]),
        ("total noob at coding, want python", [TypedSkill("python", "beginner")]),
    ],
)
def test_levels_said_as_years_cefr_or_of_coding(text: str, want: list[TypedSkill]) -> None:
    assert _skills(text) == want


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("i want to leran python", "find"),
        ("how do refnds work", "ask_refund"),
        ("need a metor for sql", "find"),
        ("hw much is a sesion", "ask_price"),
        ("who can teach typescript", "find"),
        ("koi charge hai kya?", "ask_free"),
    ],
)
def test_slips_in_the_key_words_and_who_can_teach(text: str, intent: str) -> None:
    r = read_intent(text, _INDEX.names_in)
    assert (r.intent, r.sure) == (intent, True)
