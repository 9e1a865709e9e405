"""Places with their qualifiers (issue #27 item 3): "City, state/country" resolves inside that
region from the GeoNames gazetteer; a bare name with a big namesake in another zone asks;
plain names that resolved before still resolve the same; UTC offsets work wherever a time
is shown."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.app import CoreApp
from core.booking.views import hm, when
from core.dialogs.wallet import entry_line, statement_csv
from core.services.statement import Movement
from core.timezones import TzResolved, TzSuggestions, resolve_timezone, zone
from tests.support import ChatDriver, answer_age
from tests.unit.test_onboarding import _user

AT = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Birmingham, AL", "America/Chicago"),  # was Europe/London
        ("Birmingham, Alabama, USA", "America/Chicago"),
        ("Hyderabad, Pakistan", "Asia/Karachi"),  # was Asia/Kolkata
        ("Hyderabad, Sindh", "Asia/Karachi"),
        ("Hyderabad, India", "Asia/Kolkata"),
        ("Sydney, Nova Scotia", "America/Glace_Bay"),  # Atlantic time, not Australia
        ("Sydney, NSW", "Australia/Sydney"),
        ("Perth, Scotland", "Europe/London"),
        ("Pune, India", "Asia/Kolkata"),
        ("Austin, TX", "America/Chicago"),
        ("Koramangala, Bangalore", "Asia/Kolkata"),  # a neighbourhood, then its city
        ("Koramangala, India", "Asia/Kolkata"),  # unlisted place: its country's one zone
    ],
)
def test_the_qualifier_picks_the_region(text: str, name: str) -> None:
    assert resolve_timezone(text) == TzResolved(name)


def test_an_unlisted_town_in_a_region_with_two_zones_asks() -> None:
    res = resolve_timezone("Smallville, Texas")
    assert isinstance(res, TzSuggestions)
    assert set(res.options) == {"America/Chicago", "America/Denver"}


@pytest.mark.parametrize(
    ("text", "zones"),
    [
        ("Birmingham", {"Europe/London", "America/Chicago"}),
        ("Hyderabad", {"Asia/Kolkata", "Asia/Karachi"}),
    ],
)
def test_a_bare_ambiguous_name_asks(text: str, zones: set[str]) -> None:
    res = resolve_timezone(text)
    assert isinstance(res, TzSuggestions) and set(res.options) == zones
    labels = [res.label(i, AT) for i in range(len(res.options))]
    assert any("Alabama" in x or "Pakistan" in x for x in labels), labels


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Sydney", "Australia/Sydney"),  # Sydney, Nova Scotia is too small to be meant
        ("London", "Europe/London"),
        ("Bangalore", "Asia/Kolkata"),
        ("Mumbai", "Asia/Kolkata"),
        ("Delhi", "Asia/Kolkata"),
        ("Paris", "Europe/Paris"),
        ("Perth", "Australia/Perth"),
        ("New York", "America/New_York"),
    ],
)
def test_plain_names_resolve_as_before(text: str, name: str) -> None:
    assert resolve_timezone(text) == TzResolved(name)


async def test_the_time_zone_question_asks_which_birmingham_and_keeps_progress(
    core: CoreApp,
) -> None:
    c = ChatDriver(core, "ben")
    await c.say("/start")
    await c.press("Learn")
    await c.say("Ben Ade")
    await answer_age(c)
    await c.say("Python")
    await c.press("Beginner")
    await c.say("Get a job")
    await c.say("English")
    await c.say("I live in Birmingham")
    labels = [b.label for r in c.last for b in r.all_buttons()]
    pick = next(x for x in labels if x.startswith("Birmingham, Alabama"))
    assert any(x.startswith("Birmingham, England") for x in labels)
    await c.press(pick)
    assert "America/Chicago" in c.text()
    await c.press("Skip for now")
    assert "All set" in c.text()
    user = await _user(core, "ben")
    assert user.timezone == "America/Chicago" and user.goals == "Get a job"


def test_times_shown_with_a_utc_offset_zone() -> None:
    assert zone("UTC+05:30").utcoffset(None) is not None
    assert when(AT, "UTC+05:30") == "Thu 15 Jan, 17:30 (UTC+05:30)"
    assert hm(AT, "UTC-03:00") == "09:00"
    m = Movement(
        transfer_id=1, at=AT, amount=500, moved=500, currency="INR", kind="payment", label=""
    )
    assert entry_line(m, zone("UTC+05:30")).startswith("- 15 Jan 17:30 ·")
    assert b"2026-01-15T17:30:00+05:30" in statement_csv([m], zone("UTC+05:30"), "UTC+05:30")
