"""Room links, the room's time window, and the no-show decision (pure core rules)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from core.booking.noshow import Verdict, decide
from core.booking.room import Access, access
from core.booking.tables import Booking
from core.booking.views import RoomTicket, room_of_token, room_token, room_url
from core.policies import Policies

KEY = b"k" * 32
START = datetime(2026, 11, 23, 13, 0, tzinfo=UTC)
P = Policies()


def booking(status: str = "confirmed") -> Booking:
    return Booking(
        id=7,
        mentor_id=1,
        learner_id=2,
        starts_at=START,
        ends_at=START + timedelta(minutes=10),
        length_min=10,
        status=status,
    )


def test_tokens_bind_booking_user_and_role() -> None:
    t = room_token(KEY, 7, 2, "learner")
    assert room_of_token(KEY, t) == RoomTicket(7, 2, "learner")
    assert room_of_token(b"other" * 8, t) is None
    b, u, r, mac = t.split(".")
    assert room_of_token(KEY, f"{b}.{u}.m.{mac}") is None  # role can't be swapped
    assert room_of_token(KEY, f"8.{u}.{r}.{mac}") is None  # nor the booking
    assert room_of_token(KEY, f"{b}.3.{r}.{mac}") is None  # nor the person
    assert room_of_token(KEY, "") is None
    assert room_of_token(KEY, "7.2.x.abc") is None
    assert room_token(KEY, 7, 1, "mentor") != room_token(KEY, 7, 2, "mentor")
    assert room_url("https://m.example", KEY, booking(), 1).endswith(
        "/room/" + room_token(KEY, 7, 1, "mentor")
    )


@pytest.mark.parametrize(
    ("minutes", "expected"),
    [
        (-11, Access.TOO_EARLY),
        (-10, Access.OPEN),
        (0, Access.OPEN),
        (14.9, Access.OPEN),
        (15, Access.EXPIRED),
    ],
)
def test_window_is_ten_minutes_before_to_end_plus_grace(minutes: float, expected: Access) -> None:
    now = START + timedelta(minutes=minutes)
    assert access(booking(), RoomTicket(7, 2, "learner"), now, P) is expected


def test_access_reasons() -> None:
    now = START
    assert access(booking(), RoomTicket(7, 3, "learner"), now, P) is Access.NOT_YOURS
    assert access(booking(), RoomTicket(7, 2, "mentor"), now, P) is Access.NOT_YOURS
    assert access(None, RoomTicket(7, 2, "learner"), now, P) is Access.NOT_YOURS
    assert access(booking("cancelled"), RoomTicket(7, 2, "learner"), now, P) is Access.CANCELLED
    assert access(booking("completed"), RoomTicket(7, 2, "learner"), now, P) is Access.EXPIRED
    # Never accepted in time: no room, though a future request is merely early.
    assert access(booking("requested"), RoomTicket(7, 2, "learner"), now, P) is Access.CANCELLED
    early = START - timedelta(hours=2)
    assert access(booking("requested"), RoomTicket(7, 2, "learner"), early, P) is Access.TOO_EARLY


@dataclass
class Rec:
    user_id: int
    kind: str
    at: datetime


def at(minutes: float) -> datetime:
    return START + timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("records", "now_min", "verdict"),
    [
        ([Rec(1, "join", at(-2)), Rec(2, "join", at(1))], 2, Verdict.HELD),
        ([Rec(2, "join", at(0))], 4.9, Verdict.PENDING),
        ([Rec(2, "join", at(0))], 5, Verdict.MENTOR_ABSENT),
        ([Rec(2, "join", at(0)), Rec(1, "join", at(6))], 7, Verdict.MENTOR_ABSENT),  # too late
        ([Rec(1, "join", at(0)), Rec(1, "leave", at(1))], 6, Verdict.LEARNER_ABSENT),
        ([], 20, Verdict.NO_RECORDS),
        ([Rec(1, "ice", at(0)), Rec(2, "leave", at(0))], 20, Verdict.NO_RECORDS),
    ],
)
def test_no_show_decision(records: list[Rec], now_min: float, verdict: Verdict) -> None:
    outcome = decide(records, booking(), at(now_min))
    assert outcome.verdict is verdict
    assert outcome.refund_learner == (verdict is Verdict.MENTOR_ABSENT)
    assert outcome.mentor_strike == (verdict is Verdict.MENTOR_ABSENT)
    assert outcome.pay_mentor == (verdict in (Verdict.HELD, Verdict.LEARNER_ABSENT))
