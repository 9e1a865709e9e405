import pytest

from core.availability import (
    Window,
    format_windows,
    parse_availability,
    windows_from_json,
    windows_to_json,
)


def ok(text: str) -> str:
    parsed = parse_availability(text)
    assert parsed.errors == (), parsed.errors
    return format_windows(parsed.windows)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Mon-Fri 18:00-21:00; Sat 10-13", "Mon–Fri 18:00–21:00; Sat 10:00–13:00"),
        ("weekdays 6-9pm", "Mon–Fri 18:00–21:00"),
        ("Sat 10-1pm", "Sat 10:00–13:00"),
        ("Tue, Thu 19:00 to 20:30", "Tue, Thu 19:00–20:30"),
        ("weekday evenings and weekend mornings", "Mon–Fri 18:00–21:00; Sat–Sun 09:00–12:00"),
        ("daily 7-8am", "Mon–Sun 07:00–08:00"),
        ("Mon 9-10, 18-20", "Mon 09:00–10:00, 18:00–20:00"),
        ("Mon 9-11; Mon 10-12", "Mon 09:00–12:00"),
        ("Fri 22:00-01:00", "Fri 22:00–24:00; Sat 00:00–01:00"),
        ("Sun noon-midnight", "Sun 12:00–24:00"),
        ("MONDAY 18.30-19.30", "Mon 18:30–19:30"),
    ],
)
def test_parses_what_people_type(text: str, expected: str) -> None:
    assert ok(text) == expected


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("Funday 10-12", "“Funday”"),
        ("10-12", "Which days"),
        ("Mon", "What hours on Mon"),
        ("Mon 25:00-26:00", "isn't a valid time range"),
        ("Mon 14-9", "ends before it starts"),
        ("Mon 10:00-10:05", "shorter than 10 minutes"),
    ],
)
def test_bad_input_explains_itself(text: str, fragment: str) -> None:
    parsed = parse_availability(text)
    joined = " ".join(parsed.errors)
    assert fragment in joined
    assert "Try e.g." in joined


def test_empty_text_has_no_windows() -> None:
    assert parse_availability("").windows == ()


def test_window_rejects_nonsense() -> None:
    with pytest.raises(ValueError):
        Window(7, 0, 10)
    with pytest.raises(ValueError):
        Window(0, 100, 50)


def test_json_round_trip() -> None:
    windows = parse_availability("Mon-Fri 18-21; Sat 10-13").windows
    assert windows_from_json(windows_to_json(windows)) == windows
    assert format_windows(()) == "not set"
