"""Skills with levels as people type them (issue 26): level words bound to the skill beside
them, level typos, ratings and years as levels, Hinglish, and separators."""

from __future__ import annotations

import pytest

from core.skills import SkillIndex, SkillRef, load_taxonomy
from core.understand.slots import level_words, read_skills, skills_text

_INDEX = SkillIndex([(SkillRef(i, e.name), e.aliases) for i, e in enumerate(load_taxonomy())])


def _is_skill(name: str) -> bool:
    return _INDEX.exact(name) is not None


@pytest.mark.parametrize(
    ("text", "read"),
    [
        # level words on either side of their skill, each bound to its own
        ("decent at react, newbie in go", "react: intermediate, go: beginner"),
        ("expert in excel and ok-ish with power bi", "excel: advanced, power bi: intermediate"),
        ("ok with git, bad at linux", "git: intermediate, linux: beginner"),
        ("new in cybersecurity", "cybersecurity: beginner"),
        ("statistics medium", "statistics: intermediate"),
        ("hindi fluent", "hindi: advanced"),
        # typos in the level word
        ("beginer in python", "python: beginner"),
        ("intermidiate java", "java: intermediate"),
        ("advnced excel", "excel: advanced"),
        ("kubernetes beginnner", "kubernetes: beginner"),
        (
            "tensorflow - beginer , pytorch - intermidiate",
            "tensorflow: beginner, pytorch: intermediate",
        ),
        ("javascript: advance", "javascript: advanced"),
        # ratings and years
        ("3/5 in sql", "sql: intermediate"),
        (
            "excel 4/5 ; sql 3/5 ; python 1/5",
            "excel: advanced, sql: intermediate, python: beginner",
        ),
        ("i rate myself 7/10 in python", "python: advanced"),
        ("5 years of java, 1 year kotlin", "java: advanced, kotlin: intermediate"),
        ("6 months of python", "python: beginner"),
        # Hinglish
        ("python mein beginner hoon", "python: beginner"),
        ("react mein intermediate hu, node mein beginner", "react: intermediate, node: beginner"),
        ("mujhe excel aata hai thoda", "excel: beginner"),
        # separators, and one level said for several skills
        ("Linux - Advanced | Bash - Intermediate", "Linux: advanced, Bash: intermediate"),
        ("react(advanced) next.js(beginner)", "react: advanced, next.js: beginner"),
        ("html/css beginner", "html: beginner, css: beginner"),
        ("java & python both beginners", "java: beginner, python: beginner"),
        ("beginner: python, sql", "python: beginner, sql: beginner"),
        (
            "intermediate - react, node, mongodb",
            "react: intermediate, node: intermediate, mongodb: intermediate",
        ),
        ("canva pro level", "canva: advanced"),
    ],
)
def test_levels_as_people_type_them(text: str, read: str) -> None:
    assert skills_text(read_skills(text, _is_skill)) == read


@pytest.mark.parametrize(
    ("text", "read"),
    [
        # a level said before a skill stays with it; the skill before "and" keeps none
        ("sql and a bit of python", "sql, python: beginner"),
        ("i know a bit of sql and some python", "sql: beginner, python"),
        ("python please, and some sql", "python, sql"),
    ],
)
def test_a_level_said_before_a_skill_is_its_alone(text: str, read: str) -> None:
    assert skills_text(read_skills(text, _is_skill)) == read


def test_level_words_leave_skills_and_other_words_alone() -> None:
    assert level_words("engineer, beginning") == "engineer, beginning"
    assert level_words("Adobe Premiere Pro") == "Adobe Premiere Pro"
    assert level_words("11/10 in sql") == "11/10 in sql"  # not a rating out of 10
    assert level_words("2/5 sql") == "beginner sql"
