"""Putting the Telegram bot into the aiohttp app: its AppKey and
cleanup context (start-up: polling task or webhook mode), and `mentorbot telegram set-webhook`."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

from aiogram import Bot
from aiogram.client.telegram import TelegramAPIServer
from aiohttp import web

from bots.telegram.bot import TelegramBot, update_types
from bots.telegram.config import DEFAULT_API_URL, TelegramConfig
from bots.telegram.flood import SendPacer, Timer
from bots.telegram.session import Session
from core.app import CoreApp

log = logging.getLogger(__name__)


def make_bot(config: TelegramConfig) -> Bot:
    api = TelegramAPIServer.from_base(config.api_url or DEFAULT_API_URL)
    return Bot(config.token, session=Session(api=api))


TELEGRAM = web.AppKey("telegram", TelegramBot)


def setup_telegram(
    app: web.Application,
    config: TelegramConfig,
    core: Callable[[], CoreApp],
    *,
    timer: Timer | None = None,
    pacer: SendPacer | None = None,
) -> bool:
    """Adds the bot to the app (after the core is built); False, with a log line, if off."""
    why = config.off_reason()
    if why is not None:
        log.info("Telegram bot is off: %s.", why)
        return False
    webhook = config.mode == "webhook"  # the route itself: webhooks.telegram

    async def telegram_ctx(app: web.Application) -> AsyncIterator[None]:
        tg = TelegramBot(core(), make_bot(config), timer=timer, pacer=pacer)
        try:
            await tg.start(polling=not webhook, polling_timeout=config.polling_timeout)
        except Exception as exc:
            # The web chat keeps working; the log says what to fix.
            log.error(
                "Telegram bot is off: the Bot API at %s refused us (%s).", config.api_url, exc
            )
            await tg.stop()
            yield
            return
        app[TELEGRAM] = tg
        log.info(
            "Telegram bot @%s is on (%s).",
            tg.username,
            f"webhook at {config.webhook_url}" if webhook else "polling",
        )
        yield
        await tg.stop()

    app.cleanup_ctx.append(telegram_ctx)
    return True


async def set_webhook(config: TelegramConfig) -> str:
    """`mentorbot telegram set-webhook`: register PUBLIC_URL/webhooks/telegram with Telegram."""
    why = config.off_reason()
    if why is None and config.mode != "webhook":
        why = "MENTORBOT_TELEGRAM_MODE is not 'webhook'"
    if why is None and not config.webhook_url.startswith("https://"):
        why = "Telegram only calls https:// webhooks; set MENTORBOT_PUBLIC_URL"
    if why is not None:
        raise ValueError(why)
    bot = make_bot(config)
    try:
        await bot.set_webhook(
            config.webhook_url,
            secret_token=config.webhook_secret,
            allowed_updates=update_types(),
        )
        info = await bot.get_webhook_info()
    finally:
        await bot.session.close()
    return info.url
