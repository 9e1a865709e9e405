"""POST /webhooks/telegram: check the secret token, answer at once, process in the background.

Telegram retries an update whose answer is slow or not 2xx, so the answer must not wait
for the dialog step; duplicates are dropped further in (bots.telegram, by update_id).
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

log = logging.getLogger(__name__)

PATH = "/webhooks/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # updates are a few KB; refuse anything absurd before parsing

Feed = Callable[[dict[str, Any]], Awaitable[None]]


class TelegramWebhook:
    def __init__(self, secret: str, feed: Feed) -> None:
        if not secret:
            raise ValueError("a webhook without a secret would take updates from anyone")
        self._secret = secret.encode()
        self._feed = feed
        self._tasks: set[asyncio.Task[None]] = set()

    def authentic(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode()
        return hmac.compare_digest(given, self._secret)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.authentic(request):
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            data = await request.json()
        except ValueError:
            return web.Response(status=400, text="not JSON")
        if not isinstance(data, dict) or not isinstance(data.get("update_id"), int):
            return web.Response(status=400, text="not an update")
        task = asyncio.create_task(self._run(data))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response({"ok": True})

    async def _run(self, data: dict[str, Any]) -> None:
        try:
            await self._feed(data)
        except Exception:
            log.exception("telegram update %s failed", data.get("update_id"))

    async def drain(self, within_s: float = 5.0) -> None:
        """On shutdown: let running updates finish briefly, then cancel the rest."""
        if not self._tasks:
            return
        _done, pending = await asyncio.wait(set(self._tasks), timeout=within_s)
        for t in pending:
            t.cancel()
        for t in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await t
