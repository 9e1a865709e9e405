"""The typing indicator's timer: armed per step, fired only for a slow one."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from bots.telegram.indicator import TYPING_AFTER_S, TYPING_EVERY_S, TypingIndicator


@dataclass
class Armed:
    seconds: float
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class Timers:
    """later() whose time the test decides."""

    def __init__(self) -> None:
        self.armed: list[Armed] = []

    def later(self, seconds: float, callback: Callable[[], None]) -> Armed:
        self.armed.append(Armed(seconds, callback))
        return self.armed[-1]

    async def elapse(self) -> None:
        """The last armed timer's time passes (a cancelled one doesn't fire)."""
        last = self.armed[-1]
        if not last.cancelled:
            last.callback()
        for _ in range(3):  # let the send run
            await asyncio.sleep(0)


def recorder(sent: list[str]) -> Callable[[], asyncio.Future[None]]:
    async def send() -> None:
        sent.append("typing")

    return lambda: asyncio.ensure_future(send())


async def test_a_quick_step_sends_nothing() -> None:
    sent: list[str] = []
    timers = Timers()
    ind = TypingIndicator(recorder(sent), timers.later)
    ind.start()
    ind.stop()
    await timers.elapse()
    assert [a.seconds for a in timers.armed] == [TYPING_AFTER_S]
    assert sent == []


async def test_a_slow_step_sends_and_renews_until_stopped() -> None:
    sent: list[str] = []
    timers = Timers()
    ind = TypingIndicator(recorder(sent), timers.later)
    ind.start()
    await timers.elapse()
    assert sent == ["typing"]
    assert [a.seconds for a in timers.armed] == [TYPING_AFTER_S, TYPING_EVERY_S]
    await timers.elapse()
    assert sent == ["typing", "typing"]
    ind.stop()
    await timers.elapse()
    assert sent == ["typing", "typing"]


async def test_a_failed_send_stops_the_renewals() -> None:
    timers = Timers()

    async def send() -> None:
        raise ConnectionError("Bot API down")

    ind = TypingIndicator(send, timers.later)
    ind.start()
    await timers.elapse()
    assert len(timers.armed) == 1  # nothing re-armed
    ind.stop()
