"""Query understanding: skills through the taxonomy, time windows in the learner's zone, price
caps, languages, levels; the rest stays free text."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.recommend import MatchQuery, query_from_json, query_to_json
from core.skills import SkillIndex, SkillRef, load_taxonomy
from core.timezones import zone
from matching.query import understand
from matching.synthetic import SPOKEN

# Monday 23 Nov 2026, 09:00 UTC = 14:30 in Kolkata.
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
KOLKATA = zone("Asia/Kolkata")


@pytest.fixture(scope="module")
def index() -> SkillIndex:
    tax = load_taxonomy()
    return SkillIndex([(SkillRef(i + 1, e.name), e.aliases) for i, e in enumerate(tax)])


def q(index: SkillIndex, text: str, tz: str | None = "Asia/Kolkata") -> MatchQuery:
    return understand(text, index, tz, NOW)


@pytest.mark.parametrize(
    ("text", "skills", "corrected"),
    [
        ("python", ("Python",), ()),
        ("pyhton", ("Python",), ("pyhton → Python",)),
        ("help with reakt please", ("React",), ("reakt → React",)),
        ("machine learning basics", ("Machine Learning",), ()),
        ("system design and kubernetes", ("System Design", "Kubernetes"), ()),
        ("I want to get better at making websites", (), ()),
    ],
)
def test_skills_from_the_taxonomy(
    index: SkillIndex, text: str, skills: tuple[str, ...], corrected: tuple[str, ...]
) -> None:
    got = q(index, text)
    assert got.skill_names == skills
    assert got.corrected == corrected


def test_the_issue_example(index: SkillIndex) -> None:
    got = q(
        index,
        "help with react hooks before my interview friday evening, under 150 rupees, hindi or english",
    )
    assert "React" in got.skill_names
    assert got.max_price_minor == 15000
    assert got.languages == ("hi", "en")
    assert "hooks" in got.free_text
    assert got.window is not None and got.window.label == "Fri evening"
    # Friday 27 Nov, 17:00-21:00 in Kolkata (UTC+05:30).
    assert got.window.start == datetime(2026, 11, 27, 11, 30, tzinfo=UTC)
    assert got.window.end == datetime(2026, 11, 27, 15, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "tz", "label", "start", "end"),
    [
        # "tomorrow" is the learner's tomorrow: Tue 24 Nov in Kolkata, the whole day.
        (
            "dsa tomorrow",
            "Asia/Kolkata",
            "tomorrow",
            datetime(2026, 11, 23, 18, 30, tzinfo=UTC),
            datetime(2026, 11, 24, 18, 29, tzinfo=UTC),
        ),
        # The same words in New York (UTC-5 in November).
        (
            "dsa tomorrow morning",
            "America/New_York",
            "tomorrow morning",
            datetime(2026, 11, 24, 13, 0, tzinfo=UTC),
            datetime(2026, 11, 24, 17, 0, tzinfo=UTC),
        ),
        (
            "react this weekend",
            "Asia/Kolkata",
            "this weekend",
            datetime(2026, 11, 27, 18, 30, tzinfo=UTC),
            datetime(2026, 11, 29, 18, 29, tzinfo=UTC),
        ),
        # Later today: starts now, not in the past.
        (
            "python tonight",
            "Asia/Kolkata",
            "tonight",
            datetime(2026, 11, 23, 12, 30, tzinfo=UTC),
            datetime(2026, 11, 23, 17, 30, tzinfo=UTC),
        ),
        # A fixed offset zone as stored by onboarding.
        (
            "sql on saturday afternoon",
            "UTC+02:00",
            "Sat afternoon",
            datetime(2026, 11, 28, 10, 0, tzinfo=UTC),
            datetime(2026, 11, 28, 15, 0, tzinfo=UTC),
        ),
    ],
)
def test_time_windows_in_the_learners_zone(
    index: SkillIndex, text: str, tz: str, label: str, start: datetime, end: datetime
) -> None:
    got = q(index, text, tz)
    assert got.window is not None
    assert (got.window.label, got.window.start, got.window.end) == (label, start, end)


@pytest.mark.parametrize(
    ("text", "cap"),
    [
        ("python under 150 rupees", 15000),
        ("python below ₹200", 20000),
        ("python max rs 99", 9900),
        ("python for 250 rupees", 25000),
        ("free python session", 0),
        ("python", None),
    ],
)
def test_price_caps(index: SkillIndex, text: str, cap: int | None) -> None:
    got = q(index, text)
    assert got.max_price_minor == cap
    assert got.skill_names == ("Python",)


@pytest.mark.parametrize(
    ("text", "level", "langs"),
    [
        ("python for beginners in tamil", "beginner", ("ta",)),
        ("advanced kubernetes, english", "advanced", ("en",)),
        ("intermediate sql hindi or bengali", "intermediate", ("hi", "bn")),
    ],
)
def test_levels_and_languages(
    index: SkillIndex, text: str, level: str, langs: tuple[str, ...]
) -> None:
    got = q(index, text)
    assert got.level == level
    assert got.languages == langs


@pytest.mark.parametrize(
    ("text", "skill", "level"),
    [
        ("beginer in java need help", "Java", "beginner"),
        ("need someone intermidiate in javascript", "JavaScript", "intermediate"),
        ("python advance level mentor needed", "Python", "advanced"),
        ("newbie to docker", "Docker", "beginner"),
    ],
)
def test_levels_as_people_type_them(index: SkillIndex, text: str, skill: str, level: str) -> None:
    got = q(index, text)
    assert got.skill_names == (skill,)
    assert got.level == level


def test_everyday_words_are_no_level_in_a_search(index: SkillIndex) -> None:
    assert q(index, "songs by bad bunny on guitar").level is None


def test_leftover_words_are_free_text_and_round_trip_through_dialog_state(
    index: SkillIndex,
) -> None:
    got = q(index, "react hooks and state management friday evening")
    assert got.free_text == "hooks state management"
    again = query_from_json(query_to_json(got))
    assert again == got
    assert got.without("time").window is None
    assert got.without("skill").skill_ids == ()


def test_weekday_evenings_are_the_coming_weekday_evenings_not_today(index: SkillIndex) -> None:
    """Issue #22 item 9: a recurring expression is a window over the next days."""
    got = q(index, "python weekday evenings")
    assert got.window is not None and got.window.label == "weekday evenings"
    assert got.free_text.strip() == ""  # "weekday" is not left over as text
    kolkata = [(a.astimezone(KOLKATA), b.astimezone(KOLKATA)) for a, b in got.window.parts()]
    assert [a.strftime("%a") for a, _b in kolkata] == ["Mon", "Tue", "Wed", "Thu", "Fri"]
    assert all((a.hour, b.hour) == (17, 21) for a, b in kolkata)
    assert query_from_json(query_to_json(got)) == got


def test_after_7pm_on_weekdays_and_every_morning(index: SkillIndex) -> None:
    later = q(index, "sql after 7pm on weekdays")
    assert later.window is not None
    hours = {
        (a.astimezone(KOLKATA).hour, b.astimezone(KOLKATA).hour) for a, b in later.window.parts()
    }
    assert hours == {(19, 22)}
    mornings = q(index, "dsa mornings")
    assert mornings.window is not None
    days = [a.astimezone(KOLKATA) for a, _b in mornings.window.parts()]
    # It's 14:30 on Monday in Kolkata: this morning is over, so the next six mornings.
    assert [d.strftime("%a") for d in days] == ["Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    assert all(d.hour == 8 for d in days)


def test_a_window_saved_before_spans_existed_still_reads() -> None:
    old = {
        "text": "x",
        "window": ["2026-11-23T11:30:00+00:00", "2026-11-23T15:30:00+00:00", "today evening"],
    }
    got = query_from_json(old)
    assert got is not None and got.window is not None and got.window.spans == ()


@pytest.mark.parametrize(
    ("skill", "phrase"),
    [(skill, phrase) for skill, phrases in SPOKEN.items() for phrase in phrases],
)
def test_spoken_forms_reach_their_skill(index: SkillIndex, skill: str, phrase: str) -> None:
    """Issue #22 item 11: "sequel joins in hindi" is SQL, not GraphQL."""
    assert skill in q(index, phrase).skill_names


@pytest.mark.parametrize(
    ("text", "skills", "langs"),
    [
        # A language asked for as the thing to learn is a skill ...
        ("teach me spanish", ("Spanish",), ()),
        ("spanish sikhna hai", ("Spanish",), ()),
        ("learn french in english", ("French",), ("en",)),
        ("german classes in hindi", ("German",), ("hi",)),
        # ... and one said as how to talk is the session's language.
        ("python in hindi", ("Python",), ("hi",)),
        ("hindi speaking mentor for python", ("Python",), ("hi",)),
        ("mentor who speaks tamil", (), ("ta",)),
        ("intermediate sql hindi or bengali", ("SQL",), ("hi", "bn")),
    ],
)
def test_a_language_to_learn_or_to_talk_in(
    index: SkillIndex, text: str, skills: tuple[str, ...], langs: tuple[str, ...]
) -> None:
    got = q(index, text)
    assert got.skill_names == skills
    assert got.languages == langs
