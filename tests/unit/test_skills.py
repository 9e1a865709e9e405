"""Skill-name normalisation: aliases, typos, suggestions, and never a silent wrong match."""

import pytest

from core.skills import (
    SkillIndex,
    SkillMatch,
    SkillRef,
    SkillSuggestions,
    SkillUnknown,
    load_taxonomy,
    parse_level,
    split_skill_list,
)


@pytest.fixture(scope="module")
def index() -> SkillIndex:
    entries = load_taxonomy()
    return SkillIndex([(SkillRef(i + 1, e.name), e.aliases) for i, e in enumerate(entries)])


def test_taxonomy_is_large_and_covers_careers() -> None:
    entries = load_taxonomy()
    names = {e.name for e in entries}
    assert len(entries) >= 300
    assert len({e.category for e in entries}) >= 10
    assert {"Resume Review", "Internships", "Interview Preparation"} <= names
    assert len(names) == len(entries)


@pytest.mark.parametrize(
    ("typed", "name", "corrected"),
    [
        ("JS", "JavaScript", False),
        ("ML", "Machine Learning", False),
        ("DSA", "Data Structures & Algorithms", False),
        ("react.js", "React", False),
        ("golang", "Go", False),
        ("pyhton", "Python", True),
        ("sistem design", "System Design", True),
        ("resume revew", "Resume Review", True),
        ("C++", "C++", False),
        ("C#", "C#", False),
    ],
)
def test_resolves(index: SkillIndex, typed: str, name: str, corrected: bool) -> None:
    res = index.resolve(typed)
    assert isinstance(res, SkillMatch), res
    assert (res.skill.name, res.corrected) == (name, corrected)


def test_ambiguous_prefix_offers_choices(index: SkillIndex) -> None:
    res = index.resolve("cloud")
    assert isinstance(res, SkillSuggestions)
    assert len(res.options) >= 2


@pytest.mark.parametrize("typed", ["hello", "qwertyuiop", "asdf", ""])
def test_nonsense_gets_no_suggestions(index: SkillIndex, typed: str) -> None:
    assert isinstance(index.resolve(typed), SkillUnknown)


def test_near_word_is_suggested_not_guessed(index: SkillIndex) -> None:
    res = index.resolve("reactt hooks")
    assert isinstance(res, SkillSuggestions)
    assert [o.name for o in res.options][:1] == ["React"]


def test_levels_and_lists() -> None:
    assert parse_level("Expert") == "advanced"
    assert parse_level("guru") is None
    items, errors = split_skill_list("Python: advanced, DSA, React (beginner)")
    assert [(i.name, i.level) for i in items] == [
        ("Python", "advanced"),
        ("DSA", None),
        ("React", "beginner"),
    ]
    assert errors == []
