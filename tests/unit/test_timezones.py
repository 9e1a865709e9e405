from datetime import UTC, datetime

import pytest

from core.timezones import (
    TzResolved,
    TzSuggestions,
    TzUnknown,
    describe_zone,
    resolve_timezone,
    zone,
)

WINTER = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
SUMMER = datetime(2026, 7, 15, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Bangalore", "Asia/Kolkata"),
        ("bengaluru", "Asia/Kolkata"),
        ("Mumbai", "Asia/Kolkata"),
        ("Pune, India", "Asia/Kolkata"),
        ("IST", "Asia/Kolkata"),
        ("London", "Europe/London"),
        ("america/new_york", "America/New_York"),
        ("EST", "America/New_York"),
        ("UTC+5:30", "UTC+05:30"),
        ("GMT-3", "UTC-03:00"),
        ("+0545", "UTC+05:45"),
        ("utc", "UTC"),
    ],
)
def test_resolves(text: str, name: str) -> None:
    assert resolve_timezone(text) == TzResolved(name)


def test_typo_is_offered_not_guessed_when_unclear() -> None:
    res = resolve_timezone("Londn")
    assert res == TzResolved("Europe/London") or (
        isinstance(res, TzSuggestions) and "Europe/London" in res.options
    )


@pytest.mark.parametrize("text", ["Atlantis", "", "UTC+25", "UTC+5:17", "zz"])
def test_unknown(text: str) -> None:
    assert isinstance(resolve_timezone(text), TzUnknown)


def test_ambiguous_abbreviation_asks() -> None:
    res = resolve_timezone("AST")
    assert isinstance(res, TzSuggestions) and len(res.options) == 2


def test_describe_zone_follows_dst() -> None:
    assert describe_zone("Asia/Kolkata", WINTER) == "Asia/Kolkata (UTC+05:30)"
    assert describe_zone("Europe/London", WINTER) == "Europe/London (UTC+00:00)"
    assert describe_zone("Europe/London", SUMMER) == "Europe/London (UTC+01:00)"
    assert describe_zone("UTC-03:00", SUMMER) == "UTC-03:00"


def test_zone_rejects_unknown_names() -> None:
    with pytest.raises(ValueError):
        zone("Mars/Olympus")
    assert WINTER.astimezone(zone("UTC+05:30")).hour == 17
