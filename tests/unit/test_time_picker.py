"""The booking time picker reaches every free start time (issue #19, booking defects)."""

from __future__ import annotations

from sqlalchemy import select

from core.app import CoreApp
from core.availability import Window, read_day_word, read_time_of_day
from core.booking.tables import Booking
from core.clock import ManualClock
from core.messaging import Button, Reply
from tests.booking_support import add_mentor
from tests.support import ChatDriver
from tests.unit.test_onboarding import onboard_learner

# 08:00-22:00 every day in the learner's own zone: 28 half-hour starts a day.
ALL_DAY = tuple(Window(d, 8 * 60, 22 * 60) for d in range(7))


def _labels(replies: list[Reply]) -> list[str]:
    return [b.label for r in replies for b in r.all_buttons() if isinstance(b, Button)]


async def _picker(
    core: CoreApp, clock: ManualClock, windows: tuple[Window, ...] = ALL_DAY
) -> ChatDriver:
    """Asha at the day question for Ravi (free 08:00-22:00 Kolkata, 10-minute sessions)."""
    async with core.db.transaction() as s:
        mid = await add_mentor(s, "Ravi", clock.now(), windows=windows, lengths=(10,))
    learner = await onboard_learner(core, "asha")
    await learner.say(f"/book {mid}")
    assert "Which day?" in learner.text()
    return learner


async def test_the_picker_offers_a_2130_slot_and_accepts_9_30pm(
    core: CoreApp, clock: ManualClock
) -> None:
    learner = await _picker(core, clock)
    await learner.press("Tue 24 Nov")
    assert "28 free start times" in learner.text()
    assert "Morning" in learner.text() and "21:30" not in _labels(learner.last)
    await learner.press("Evening")
    assert "21:30" in _labels(learner.last)
    await learner.say("9.30pm")
    assert "What would you like to cover" in learner.text()
    await learner.say("Graphs")
    assert "Tue 24 Nov, 21:30 (Asia/Kolkata)" in learner.text()
    await learner.press("Send request")
    async with core.db.transaction() as s:
        b = await s.scalar(select(Booking))
    assert b is not None and b.starts_at.isoformat() == "2026-11-24T16:00:00+00:00"


async def test_every_start_time_of_a_round_the_clock_day_is_reachable(
    core: CoreApp, clock: ManualClock
) -> None:
    learner = await _picker(core, clock, tuple(Window(d, 0, 24 * 60) for d in range(7)))
    await learner.press("Wed 25 Nov")
    assert "48 free start times. Morning, page 1 of 2" in learner.text()
    seen: set[str] = set()
    for part in ("Morning", "Afternoon", "Evening"):
        if part != "Morning":
            await learner.press(part)
        seen |= set(_labels(learner.last))
        if any("Later" in label for label in _labels(learner.last)):
            await learner.press("Later")
            seen |= set(_labels(learner.last))
        for r in learner.last:  # within Discord's 5 rows of at most 5 buttons
            assert len(r.buttons) <= 5 and all(len(row) <= 5 for row in r.buttons)
    assert {f"{h:02d}:{m:02d}" for h in range(24) for m in (0, 30)} <= seen


async def test_a_typed_time_that_isnt_free_offers_the_nearest_and_keeps_the_day(
    core: CoreApp, clock: ManualClock
) -> None:
    learner = await _picker(core, clock)
    await learner.press("Tue 24 Nov")
    await learner.say("22:45")
    assert "22:45 isn't free on Tue 24 Nov" in learner.text()
    assert _labels(learner.last)[:4] == ["20:00", "20:30", "21:00", "21:30"]
    await learner.say("whenever")
    assert "Please tap one of the times, or type one" in learner.text()
    await learner.say("6.30pm")
    assert "What would you like to cover" in learner.text()
    await learner.say("Recursion")
    assert "Tue 24 Nov, 18:30 (Asia/Kolkata)" in learner.text()


async def test_tomorrow_7pm_typed_at_the_day_question(core: CoreApp, clock: ManualClock) -> None:
    learner = await _picker(core, clock)
    await learner.say("tomorrow?")  # a day alone opens that day's times
    assert "Tue 24 Nov — 28 free start times" in learner.text()
    await learner.press("Other day")
    await learner.say("tomorrow 7pm")
    await learner.say("Dynamic programming")
    assert "Tue 24 Nov, 19:00 (Asia/Kolkata)" in learner.text()


def test_times_people_type_are_read_in_their_own_clock() -> None:
    cases = {
        "18:30": (1110,),
        "6.30pm": (1110,),
        "9.30pm": (1290,),
        "tomorrow 7pm": (1140,),
        "7": (420, 1140),
        "noon": (720,),
        "tonight 9": (1260,),
    }
    for text, readings in cases.items():
        said = read_time_of_day(text)
        assert said is not None and said.readings() == readings, text
    assert read_time_of_day("tomorrow 7pm").days_ahead == 1  # type: ignore[union-attr]
    assert read_day_word("tomorrow?") == (1, None) and read_day_word("on Tue") == (None, 1)
    for text in ("24 nov", "hello", "25:00", "tomorrow"):
        assert read_time_of_day(text) is None, text
