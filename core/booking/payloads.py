"""The buttons on a booking, valid wherever they were sent (a dialog, a notification)."""

from __future__ import annotations

from dataclasses import dataclass

from core.messaging import Button
from core.payloads import Payload


@dataclass(frozen=True)
class Bk(Payload, prefix="bk"):
    """A button on a booking, valid wherever it was sent (chat, notification)."""

    what: str  # book | acc | dec | cancel | cancelok | resched | problem | rate | feed | feedok
    ref: int


@dataclass(frozen=True)
class Rt(Payload, prefix="rt"):
    booking: int
    stars: int


def rating_buttons(booking_id: int) -> tuple[tuple[Button, ...], ...]:
    return (tuple(Button("★" * n, Rt(booking_id, n).pack()) for n in range(1, 6)),)


def decision_buttons(booking_id: int) -> tuple[tuple[Button, ...], ...]:
    return (
        (
            Button("✅ Accept", Bk("acc", booking_id).pack()),
            Button("❌ Decline", Bk("dec", booking_id).pack()),
        ),
    )


@dataclass(frozen=True)
class Sw(Payload, prefix="sw"):
    """A button on a skill-swap proposal, valid wherever it was sent: acc | dec."""

    what: str
    swap: int


@dataclass(frozen=True)
class Up(Payload, prefix="up"):
    """The learner → mentor invitation's button: apply, prefilled from the invitation."""

    what: str
