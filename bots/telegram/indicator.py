""" "typing…" while a step is slow, and nothing at all for a quick answer.

A step arms a loop timer, not a task: most answers are ready long before it fires, and
under load a task per update (created, scheduled, cancelled) was work for nothing.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

log = logging.getLogger(__name__)

# Past about a second people notice the wait (and a flood of updates must not turn into a
# flood of chat actions); Telegram shows the action for 5 s, so it is renewed before that.
TYPING_AFTER_S = 1.0
TYPING_EVERY_S = 4.0


class Cancellable(Protocol):
    def cancel(self) -> Any: ...


# later(seconds, callback): run callback after that long; tests decide when time has passed.
Later = Callable[[float, Callable[[], None]], Cancellable]


def loop_later(seconds: float, callback: Callable[[], None]) -> Cancellable:
    return asyncio.get_running_loop().call_later(seconds, callback)


class TypingIndicator:
    """One step's indicator: start() when the step begins, stop() when its answer is ready."""

    def __init__(self, send: Callable[[], Awaitable[Any]], later: Later = loop_later) -> None:
        self._send = send
        self._later = later
        self._timer: Cancellable | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopped = False

    def start(self) -> None:
        self._timer = self._later(TYPING_AFTER_S, self._due)

    def stop(self) -> None:
        self._stopped = True
        if self._timer is not None:
            self._timer.cancel()
        if self._task is not None:
            self._task.cancel()

    def _due(self) -> None:
        if not self._stopped:
            self._task = asyncio.create_task(self._send_and_renew())

    async def _send_and_renew(self) -> None:
        try:
            await self._send()
        except Exception as exc:  # a hint: never worth failing or retrying for
            log.info("sendChatAction failed: %s", exc)
            return
        if not self._stopped:
            self._timer = self._later(TYPING_EVERY_S, self._due)
