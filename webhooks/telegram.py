"""POST /webhooks/telegram: check the secret token, answer at once, process in the background.

Telegram retries an update whose answer is slow or not 2xx, so the answer must not wait
for the dialog step; core acts on each update_id once (recorded in the step's own transaction).
Updates of one chat run one after another in the order they arrived (a quick second
message must not overtake a slow first one); different chats run side by side.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine
from typing import Any

from aiogram.types import Update
from aiohttp import web

from bots.telegram.config import PATH, TelegramConfig
from bots.telegram.inbound import NotAnUpdate, Unreadable
from bots.telegram.setup import TELEGRAM

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
MAX_BODY = 1024 * 1024  # updates are a few KB; refuse anything absurd before parsing

Read = Callable[[object], Update | NotAnUpdate | Unreadable]
Feed = Callable[[Update], Awaitable[None]]
Job = Callable[[], Coroutine[Any, Any, None]]
# Update kinds that carry a chat; the first one present in an update names its chat.
_CHAT_CARRIERS = (
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_message",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
)


def chat_of(update: dict[str, Any]) -> str | None:
    """The chat an update belongs to (None: no chat, e.g. an inline query), as an order key."""
    for kind in _CHAT_CARRIERS:
        obj = update.get(kind)
        if isinstance(obj, dict):
            chat = obj.get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return f"chat:{chat['id']}"
    cq = update.get("callback_query")
    if isinstance(cq, dict):
        msg = cq.get("message")
        if isinstance(msg, dict):
            chat = msg.get("chat")
            if isinstance(chat, dict) and isinstance(chat.get("id"), int):
                return f"chat:{chat['id']}"
        sender = cq.get("from")
        if isinstance(sender, dict) and isinstance(sender.get("id"), int):
            return f"chat:{sender['id']}"  # an inline message: the presser's private chat
    return None


async def read_body(request: web.Request) -> bytes | None:
    """The body, or None once it is over MAX_BODY (the rest is never read into memory)."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(64 * 1024):
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def parse_json(body: bytes) -> Any:
    """The body as JSON. ValueError for anything else, including JSON nested too deep to
    parse (json raises RecursionError thousands of levels down) and bytes that aren't text."""
    try:
        return json.loads(body)
    except RecursionError as exc:
        raise ValueError("JSON nested too deep") from exc


class Sequencer:
    """Runs jobs of one key strictly in submission order; jobs of different keys concurrently.

    submit() is synchronous, so the order is the order of the calls (here: of the requests
    as they were read), whatever happens inside each job later.
    """

    def __init__(self) -> None:
        self._tails: dict[str, asyncio.Task[None]] = {}
        self._waiting: dict[str, int] = {}

    def submit(self, key: str | None, job: Job) -> asyncio.Task[None]:
        if key is None:
            return asyncio.create_task(job())
        before = self._tails.get(key)

        async def run() -> None:
            if before is not None:
                # The one before may fail or be cancelled; this one still runs after it.
                await asyncio.wait([before])
            await job()

        task = asyncio.create_task(run())
        self._tails[key] = task
        self._waiting[key] = self._waiting.get(key, 0) + 1

        def finished(t: asyncio.Task[None]) -> None:
            left = self._waiting[key] - 1
            if left:
                self._waiting[key] = left
            else:
                del self._waiting[key]
            if self._tails.get(key) is t:
                del self._tails[key]

        task.add_done_callback(finished)
        return task

    def queued(self, key: str) -> int:
        """Jobs of this key not finished yet (running or waiting their turn)."""
        return self._waiting.get(key, 0)

    def __len__(self) -> int:
        return len(self._tails)


class TelegramWebhook:
    def __init__(self, secret: str, read: Read, feed: Feed) -> None:
        if not secret:
            raise ValueError("a webhook without a secret would take updates from anyone")
        self._secret = secret.encode()
        self._read = read
        self._feed = feed
        self._tasks: set[asyncio.Task[None]] = set()
        self.order = Sequencer()

    def authentic(self, request: web.Request) -> bool:
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")
        return hmac.compare_digest(given, self._secret)

    async def handle(self, request: web.Request) -> web.Response:
        if not self.authentic(request):
            return web.Response(status=403, text="forbidden")
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.Response(status=413, text="too large")
        try:
            body = await read_body(request)  # a chunked body has no Content-Length to check
        except web.RequestPayloadError:  # e.g. Content-Encoding: gzip over bytes that aren't
            return web.Response(status=400, text="unreadable body")
        if body is None:
            return web.Response(status=413, text="too large")
        try:
            data = parse_json(body)
        except ValueError:  # UnicodeDecodeError is one too
            return web.Response(status=400, text="not JSON")
        update = self._read(data)
        if isinstance(update, NotAnUpdate):
            return web.Response(status=400, text="not an update")
        if isinstance(update, Unreadable):
            # Telegram retries anything but a 2xx; this one would never read any better.
            log.warning("telegram update %s unreadable (%s); ignored", update.update_id, update.why)
            return web.json_response({"ok": True})
        task = self.order.submit(chat_of(data), lambda: self._run(update))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return web.json_response({"ok": True})

    async def _run(self, update: Update) -> None:
        try:
            await self._feed(update)
        except Exception:
            log.exception("telegram update %s failed", update.update_id)

    async def settle(self) -> None:
        """Until every update accepted so far has been handled."""
        while self._tasks:
            await asyncio.wait(set(self._tasks))

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


TELEGRAM_WEBHOOK = web.AppKey("telegram_webhook", TelegramWebhook)


async def _webhook(request: web.Request) -> web.Response:
    hook = request.app.get(TELEGRAM_WEBHOOK)
    if hook is None:
        return web.Response(status=503, text="telegram bot is not running")
    return await hook.handle(request)


def setup_telegram_webhook(app: web.Application, config: TelegramConfig) -> bool:
    """POST /webhooks/telegram in webhook mode; call after bots.telegram's setup_telegram (its
    cleanup context starts the bot that this one hands updates to)."""
    if config.off_reason() is not None or config.mode != "webhook":
        return False
    app.router.add_post(PATH, _webhook)

    async def hook_ctx(app: web.Application) -> AsyncIterator[None]:
        tg = app.get(TELEGRAM)
        hook = TelegramWebhook(config.webhook_secret, tg.read, tg.feed) if tg is not None else None
        if hook is not None:
            app[TELEGRAM_WEBHOOK] = hook
        yield
        if hook is not None:
            await hook.drain()

    app.cleanup_ctx.append(hook_ctx)
    return True
