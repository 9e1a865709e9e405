"""aiogram's HTTP session as MentorBot uses it: answer models held, polling paced when behind."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aiogram import Bot, methods
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response

T = TypeVar("T")
POLL_EVERY_BUSY_S = 0.01
BEHIND_AT = 10  # updates still being handled: the bot is behind, not merely answering


class Session(AiohttpSession):
    """aiogram's HTTP session, holding on to the answer models of the calls we make.

    aiogram validates each answer as `Response[T]`; pydantic keeps parametrised models in
    a weak cache, so every garbage collection threw them away and the next call rebuilt
    one — about 5 ms of CPU each, and under load it happened every few updates
    (bench/telegram_throughput.py: 149 rebuilds in 600 updates).
    """

    METHODS: tuple[type[TelegramMethod[Any]], ...] = (
        methods.AnswerCallbackQuery,
        methods.DeleteWebhook,
        methods.EditMessageReplyMarkup,
        methods.EditMessageText,
        methods.GetMe,
        methods.GetUpdates,
        methods.GetWebhookInfo,
        methods.SendChatAction,
        methods.SendDocument,
        methods.SendMessage,
        methods.SendPhoto,
        methods.SetMyCommands,
        methods.SetWebhook,
    )

    def __init__(self, *, poll_every_busy_s: float = POLL_EVERY_BUSY_S, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.answer_models = tuple(Response[m.__returning__] for m in self.METHODS)  # type: ignore[name-defined]
        self.poll_every_busy_s = poll_every_busy_s
        # How many updates are still being handled; TelegramBot sets it.
        self.backlog: Callable[[], int] = lambda: 0
        self._last_poll = -math.inf
        self._busy = False

    async def make_request(
        self,
        bot: Bot,
        method: TelegramMethod[T],
        timeout: int | None = None,  # noqa: ASYNC109 - aiogram's signature
    ) -> T:
        if not isinstance(method, methods.GetUpdates):
            return await super().make_request(bot, method, timeout)
        # A bot that is behind asked again the moment a batch was handed out: against a
        # Bot API server close by (self-hosted, or the tests' fake) that was a round trip
        # and a parse for every update or two (bench: 600 polls per 1,000 updates, the
        # echo bot 21). While updates keep coming and many are still being handled, ask
        # at most this often: batches grow, and an update waits at most that much longer.
        # A bot keeping up, or idle, asks at once as before.
        if self._busy and self.backlog() >= BEHIND_AT:
            wait = self._last_poll + self.poll_every_busy_s - time.monotonic()
            if wait > 0:
                await asyncio.sleep(wait)
        self._last_poll = time.monotonic()
        updates = await super().make_request(bot, method, timeout)
        self._busy = bool(updates)
        return cast(T, updates)
