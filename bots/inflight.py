"""Counting work an adapter does after it has acknowledged a request, so shutdown and tests
can wait for it to finish (bounded)."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class InFlight:
    def __init__(self) -> None:
        self._count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    @contextlib.asynccontextmanager
    async def busy(self) -> AsyncIterator[None]:
        self._count += 1
        self._idle.clear()
        try:
            yield
        finally:
            self._count -= 1
            if self._count == 0:
                self._idle.set()

    async def settle(self, limit_s: float = 15.0) -> None:
        """Wait until nothing is in flight; TimeoutError after `limit_s`."""
        await asyncio.sleep(0)
        await asyncio.wait_for(self._idle.wait(), limit_s)
