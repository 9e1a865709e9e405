"""No-shows, decided from call-room join records (DESIGN §7).

A party who hasn't joined the room `no_show_after_min` minutes after the start is absent:

| mentor | learner | outcome | money (the lead wires it, see `settle`) |
|---|---|---|---|
| joined | joined | HELD | mentor paid at completion |
| absent | joined | MENTOR_ABSENT | full refund to the learner; the mentor gets a strike |
| joined | absent | LEARNER_ABSENT | mentor paid |
| absent | absent | NO_RECORDS | the room wasn't used; completion goes on as before |

Before the deadline the outcome is PENDING.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from core.booking.tables import Booking


class Verdict(StrEnum):
    PENDING = "pending"
    HELD = "held"
    MENTOR_ABSENT = "mentor_absent"
    LEARNER_ABSENT = "learner_absent"
    NO_RECORDS = "no_records"


class JoinRecord(Protocol):
    @property
    def user_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...


@dataclass(frozen=True)
class Outcome:
    verdict: Verdict
    mentor_joined_at: datetime | None
    learner_joined_at: datetime | None

    @property
    def refund_learner(self) -> bool:
        return self.verdict is Verdict.MENTOR_ABSENT

    @property
    def mentor_strike(self) -> bool:
        return self.verdict is Verdict.MENTOR_ABSENT

    @property
    def pay_mentor(self) -> bool:
        return self.verdict in (Verdict.HELD, Verdict.LEARNER_ABSENT)


def decide(
    join_records: Iterable[JoinRecord],
    booking: Booking,
    now: datetime,
    *,
    absent_after_min: int = 5,
) -> Outcome:
    deadline = booking.starts_at + timedelta(minutes=absent_after_min)
    first: dict[int, datetime] = {}
    for r in join_records:
        if r.kind == "join" and r.at <= deadline and r.user_id not in first:
            first[r.user_id] = r.at
    mentor, learner = first.get(booking.mentor_id), first.get(booking.learner_id)
    if mentor is not None and learner is not None:
        verdict = Verdict.HELD  # both came: nothing can change that
    elif now < deadline:
        verdict = Verdict.PENDING
    elif mentor is None and learner is None:
        verdict = Verdict.NO_RECORDS
    elif mentor is None:
        verdict = Verdict.MENTOR_ABSENT
    else:
        verdict = Verdict.LEARNER_ABSENT
    return Outcome(verdict, mentor, learner)
