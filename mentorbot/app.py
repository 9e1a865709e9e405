"""The aiohttp application factory: web chat, health check, and core wiring."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web

from bots.web.chat import WEBCHAT, WebChat, setup_routes
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
        scheduler = None
        from matching.engine import MatchingEngine

        engine = core.recommender if isinstance(core.recommender, MatchingEngine) else None
        if engine is not None and settings.match_retrain_minutes > 0:
            from matching.jobs import start_retrain_job

            scheduler = start_retrain_job(engine, core.clock, settings.match_retrain_minutes)
        yield
        if scheduler is not None:
            scheduler.shutdown(wait=False)
        if engine is not None:
            await engine.close()
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
    return app
