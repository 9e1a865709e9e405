"""The aiohttp application factory: web chat, health check, and core wiring."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bots.web.chat import WEBCHAT, WebChat, setup_routes
from bots.web.pages import setup_pages
from calls.config import CallConfig
from calls.web import setup_calls
from core.app import CoreApp
from core.ports import Clock
from mentorbot.bootstrap import build_core
from mentorbot.settings import Settings

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
CORE = web.AppKey("core", CoreApp)
OUTBOX_SWEEP_S = 30.0


async def healthz(request: web.Request) -> web.Response:
    core = request.app.get(CORE)
    ok = core is not None and await core.db.ping()
    return web.json_response(
        {"status": "ok" if ok else "degraded", "database": "reachable" if ok else "unreachable"},
        status=200 if ok else 503,
    )


async def _sweep_outbox(core: CoreApp, every_s: float) -> None:
    """Retry notifications whose channel was away (e.g. a web user who wasn't connected)."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await core.delivery.flush()
        except Exception:
            log.exception("outbox sweep failed")


async def _tick(core: CoreApp, running: asyncio.Lock | None = None) -> None:
    try:
        async with running or contextlib.nullcontext():
            report = await core.tick()
    except Exception:
        log.exception("booking tick failed")
        return
    if any((report.expired, report.reminded, report.completed, report.revealed)):
        log.info("tick: %s", report)


def start_scheduler(
    core: CoreApp, every_s: float, running: asyncio.Lock | None = None
) -> AsyncIOScheduler:
    """One in-process scheduler drives time-based work. Jobs are derived from the database
    (sent-log, conditional updates), so a restart or a second process never doubles a
    reminder and nothing needs a persistent job store."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        _tick,
        "interval",
        seconds=every_s,
        args=[core, running],
        id="booking-tick",
        coalesce=True,
        max_instances=1,
        next_run_time=datetime.now(UTC),  # first run right away, not after one interval
    )
    scheduler.start()
    return scheduler


def create_app(settings: Settings, *, clock: Clock | None = None) -> web.Application:
    app = web.Application()
    app[SETTINGS] = settings

    async def core_ctx(app: web.Application) -> AsyncIterator[None]:
        core = await build_core(settings, clock)
        chat = WebChat(core, settings.secret(), secure_cookie=settings.base_url.startswith("https"))
        core.delivery.register(chat)
        app[CORE] = core
        app[WEBCHAT] = chat
        sweeper = asyncio.create_task(_sweep_outbox(core, OUTBOX_SWEEP_S))
        ticking = asyncio.Lock()
        scheduler = start_scheduler(core, settings.tick_seconds, ticking)
        yield
        scheduler.shutdown(wait=False)
        async with ticking:  # a tick under way finishes before the database is closed
            pass
        sweeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sweeper
        await chat.close_all()
        await core.db.dispose()

    async def close_sockets(app: web.Application) -> None:
        # Open WebSockets would otherwise hold graceful shutdown until its timeout.
        chat = app.get(WEBCHAT)
        if chat is not None:
            await chat.close_all()

    app.cleanup_ctx.append(core_ctx)
    app.on_shutdown.append(close_sockets)
    app.router.add_get("/healthz", healthz)
    setup_routes(app)
    setup_pages(app, lambda request: request.app[CORE])
    setup_calls(app, lambda app: app[CORE], call_config(settings))
    return app


def call_config(settings: Settings) -> CallConfig:
    return CallConfig(
        data_dir=settings.data_dir,
        stun_urls=tuple(settings.stun_urls),
        turn_urls=tuple(settings.turn_urls),
        turn_secret=settings.turn_secret.get_secret_value(),
        turn_ttl_s=settings.turn_ttl_s,
        mode=settings.call_mode,
        recording=settings.call_recording,
    )
