"""Plain words: every message the issue quotes, read for what the person means."""

from __future__ import annotations

import pytest

from core.understand.intents import Reading, control_word, read_intent
from core.understand.slots import (
    read_hours,
    read_languages,
    read_name,
    read_place,
    read_skills,
    skills_text,
)


@pytest.mark.parametrize(
    ("text", "reading"),
    [
        ("hi", Reading("greet")),
        ("Hello!", Reading("greet")),
        ("namaste 🙏", Reading("greet")),
        ("help", Reading("help")),
        ("I want to learn python", Reading("find", "python")),
        ("need help with SQL joins tonight", Reading("find", "sql joins tonight")),
        (
            "find me a mentor for python interviews this weekend",
            Reading("find", "python interviews this weekend"),
        ),
        ("is anyone free now for SQL help?", Reading("find", "sql help")),
        ("mujhe python sikhna hai", Reading("find", "python")),
        ("teach me react", Reading("find", "react")),
        ("I can teach React", Reading("teach", "react")),
        ("I would like to become a mentor", Reading("teach", "")),
        ("how much does a session cost?", Reading("ask_price")),
        ("is it free?", Reading("ask_free")),
        ("how does this work?", Reading("ask_how")),
        ("how do refunds work?", Reading("ask_refund")),
        ("what are credits", Reading("ask_credits")),
        ("react hooks", Reading("unknown")),
    ],
)
def test_first_messages(text: str, reading: Reading) -> None:
    assert read_intent(text) == reading


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("cancel", "cancel"),
        ("Cancle", "cancel"),
        ("STOP", "cancel"),
        ("start over", "restart"),
        ("Main menu", "menu"),
        ("go back", "back"),
        ("hlep", "help"),
        ("Priya", None),
        ("python please, and some sql", None),
    ],
)
def test_words_that_always_work(text: str, word: str | None) -> None:
    assert control_word(text) == word


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("I'm Priya", "Priya"),
        ("call me Raj", "Raj"),
        ("my name is Anita Desai", "Anita Desai"),
        ("Hi, I am rahul sharma", "Rahul Sharma"),
        ("Samir", "Samir"),
        ("i want to learn python", None),
    ],
)
def test_names_from_phrases(text: str, name: str | None) -> None:
    assert read_name(text) == name


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("python please, and some sql", "python, sql"),
        ("I'm decent at React and learning Go", "React: intermediate, Go: beginner"),
        ("Python: advanced, DSA, React (beginner)", "Python: advanced, DSA, React: beginner"),
        ("kubernetes and docker", "kubernetes, docker"),
        ("good at java, new to spring boot", "java: advanced, spring boot: beginner"),
    ],
)
def test_skills_from_sentences(text: str, read: str) -> None:
    assert skills_text(read_skills(text)) == read


def test_a_catalogue_phrase_with_and_stays_one_skill() -> None:
    assert skills_text(read_skills("ci/cd", lambda n: n.casefold() == "ci/cd")) == "ci/cd"


@pytest.mark.parametrize(
    ("text", "read"),
    [
        ("I speak English and a bit of Hindi", "English, Hindi"),
        ("Hindi, English, thoda Marathi", "Hindi, English, Marathi"),
    ],
)
def test_languages_from_phrases(text: str, read: str) -> None:
    assert read_languages(text) == read


@pytest.mark.parametrize(
    ("text", "place"),
    [("I'm in Pune", "Pune"), ("i live in bangalore", "bangalore"), ("Pune", None)],
)
def test_places_from_phrases(text: str, place: str | None) -> None:
    assert read_place(text) == place


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("weekday evenings after 7", "Mon-Fri 19:00-22:00"),
        ("after 7pm on weekdays", "Mon-Fri 19:00-22:00"),
        ("weekends", "Sat-Sun 10:00-13:00"),
        ("weekend mornings", "Sat-Sun 09:00-12:00"),
        ("weekdays before 10am", "Mon-Fri 07:00-10:00"),
        ("sometimes", None),
    ],
)
def test_hours_from_phrases(text: str, hours: str | None) -> None:
    assert read_hours(text) == hours
