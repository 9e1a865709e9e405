"""The aiohttp application factory: web chat, health check, and core wiring."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from aiohttp import web
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from prometheus_client import CollectorRegistry

from bots.web.admin_pages import setup_admin_pages
from bots.web.bot import WebChat
from bots.web.mentor_page import setup_mentor_page
from bots.web.messages import WebMessages
from bots.web.pages import setup_pages
from bots.web.rooms import WebRooms
from bots.web.setup import MESSAGES, ROOMS, WEBCHAT, setup_routes
from calls.config import CallConfig
from calls.web import setup_calls
from core.app import CoreApp
from core.db import changes
from core.db.inbound import DEFAULT_RETENTION, forget_before
from core.gateway_events import reconcile_pending
from core.ports import Clock, SenderLimits
from core.tracing import traced_job
from matching.engine import MatchingEngine
from matching.jobs import start_retrain_job
from matching.sync import POLL_S, POLL_WITH_REDIS_S, ModelSync
from mentorbot.bootstrap import build_core
from mentorbot.busyfeeds import refresh_due
from mentorbot.fanout import RedisFanout, chat_from, model_from, room_from
from mentorbot.heap import settle_after_startup
from mentorbot.leader import Election, choose, choose_lease, deployment_key, worker_name
from mentorbot.logs import request_ids
from mentorbot.metrics import CONTENT_TYPE, Metrics
from mentorbot.platforms import setup_platforms
from mentorbot.settings import Settings
from mentorbot.websecurity import security_headers
from payments import setup_payments
from webhooks import setup_webhooks

if TYPE_CHECKING:
    from redis.asyncio import Redis

    from bots.limits import RateStore
    from bots.telegram.flood import SendPacer

log = logging.getLogger(__name__)

SETTINGS = web.AppKey("settings", Settings)
CORE = web.AppKey("core", CoreApp)
MATCHING = web.AppKey("matching", MatchingEngine)
ELECTION = web.AppKey("election", Election)
DISCORD_GATEWAY = web.AppKey("discord_gateway", Election)  # who holds the gateway (shard 0)
DISCORD_SHARDS = web.AppKey("discord_shards", list)  # each shard's lease, shard i at i
REDIS = web.AppKey("redis", object)  # redis.asyncio.Redis, imported only when configured
METRICS = web.AppKey("metrics", Metrics)
OUTBOX_SWEEP_S = 30.0


async def healthz(request: web.Request) -> web.Response:
    core = request.app.get(CORE)
    ok = core is not None and await core.db.ping()
    body: dict[str, object] = {
        "status": "ok" if ok else "degraded",
        "database": "reachable" if ok else "unreachable",
    }
    engine = request.app.get(MATCHING)
    if engine is not None:
        # Readiness of the parts loaded after start (bench/startup.py waits for them).
        body["matching"] = {
            "lexical": engine.index is not None,
            "tfidf_cf": engine.fitted,
            "semantic": engine.semantic_ok,
            # Issue 21, part 7: the published version in use (None: fitted in this worker).
            "model": {"version": engine.model_version, "source": engine.model_source},
        }
    election = request.app.get(ELECTION)
    if election is not None:
        body["worker"] = election.worker
        body["scheduler"] = {"role": "held" if election.held else "standby", "by": election.kind}
    gateway = request.app.get(DISCORD_GATEWAY)
    if gateway is not None:
        shards: list[Election] = request.app.get(DISCORD_SHARDS) or [gateway]
        held = [i for i, lease in enumerate(shards) if lease.held]
        body["discord_gateway"] = {
            "shard": 0,  # kept for readers of the single-shard answer
            "role": "held" if held else "standby",  # this worker holds at least one shard
            "shard_count": len(shards),
            "shards": held,  # the shards whose gateway connection this worker holds
            "by": gateway.kind,
        }
    redis = request.app.get(REDIS)
    if redis is not None:
        # Degraded, not down: a worker without Redis still serves what doesn't need it.
        body["redis"] = "reachable" if await _redis_ok(redis) else "unreachable"
        if body["redis"] != "reachable":
            body["status"] = "degraded"
    return web.json_response(body, status=200 if ok else 503)


async def _redis_ok(redis: object) -> bool:
    try:
        return bool(await asyncio.wait_for(redis.ping(), 1.0))  # type: ignore[attr-defined]
    except Exception:
        return False


async def metrics_page(request: web.Request) -> web.Response:
    """Prometheus text format; the database-backed gauges are read now."""
    metrics = request.app[METRICS]
    core = request.app.get(CORE)
    if core is not None:
        chat, rooms = request.app.get(WEBCHAT), request.app.get(ROOMS)
        sockets = {
            "chat": sum(len(c) for c in chat.sockets.values()) if chat else 0,
            "room": sum(len(c) for c in rooms.sockets.values()) if rooms else 0,
        }
        await metrics.refresh(core, sockets)
    return web.Response(body=metrics.text(), headers={"Content-Type": CONTENT_TYPE})


async def _sweep_outbox(core: CoreApp, every_s: float) -> None:
    """Retry notifications whose channel was away (e.g. a web user who wasn't connected)."""
    while True:
        await asyncio.sleep(every_s)
        try:
            await core.delivery.sweep()
        except Exception:
            log.exception("outbox sweep failed")


class Ticker:
    """Runs core.tick() for the scheduler; shutdown waits for a tick already under way, so
    the database is never disposed beneath it."""

    def __init__(self, core: CoreApp, election: Election, metrics: Metrics | None = None) -> None:
        self.core = core
        self.election = election
        self.metrics = metrics
        self._running = asyncio.Lock()
        self._closed = False

    async def run(self) -> None:
        if self._closed or self._running.locked() or not self.election.held:
            return
        async with self._running:
            try:
                report = await self.core.tick()
            except Exception:
                log.exception("booking tick failed")
                self._count("booking-tick", ok=False)
                return
        self._count("booking-tick", ok=True)
        if any((report.expired, report.reminded, report.completed, report.revealed)):
            log.info("tick: %s", report)

    async def housekeeping(self) -> None:
        """Ask the gateway about payments left pending; forget old delivery ids and changes."""
        if self._closed or not self.election.held:
            return
        async with self._running:
            try:
                fixed = await reconcile_pending(self.core.deps)
                async with self.core.uow() as u:
                    await forget_before(u.session, u.now - DEFAULT_RETENTION)
                    await changes.prune(u.session, u.now - changes.RETENTION)
            except Exception:
                log.exception("housekeeping failed")
                self._count("housekeeping", ok=False)
                return
        self._count("housekeeping", ok=True)
        if fixed:
            log.info("reconciled %d pending payments", fixed)

    def _count(self, job: str, *, ok: bool) -> None:
        if self.metrics is not None:
            self.metrics.job(job, ok)

    async def close(self) -> None:
        self._closed = True
        async with self._running:
            pass


def start_scheduler(ticker: Ticker, every_s: float) -> AsyncIOScheduler:
    """One in-process scheduler drives time-based work. Jobs are derived from the database
    (sent-log, conditional updates), so a restart or a second process never doubles a
    reminder and nothing needs a persistent job store."""
    scheduler = AsyncIOScheduler(timezone="UTC")
    scheduler.add_job(
        traced_job("booking-tick", ticker.run),
        "interval",
        seconds=every_s,
        id="booking-tick",
        coalesce=True,
        max_instances=1,
        next_run_time=datetime.now(UTC),  # first run right away, not after one interval
    )
    scheduler.add_job(
        traced_job("housekeeping", ticker.housekeeping),
        "interval",
        minutes=5,
        id="housekeeping",
        coalesce=True,
        max_instances=1,
    )
    if ticker.metrics is not None:
        ticker.metrics.watch(scheduler)
    scheduler.start()
    return scheduler


def shared_redis(settings: Settings) -> Redis | None:
    """The workers' Redis (no connection is made until it is used); None without one."""
    if not settings.redis_url:
        return None
    from redis.asyncio import Redis

    return Redis.from_url(settings.redis_url, socket_timeout=5, socket_connect_timeout=5)


def telegram_pacer(settings: Settings, redis: Redis | None) -> SendPacer | None:
    """With Redis, Telegram's limits are kept by every worker together (None: per worker)."""
    if redis is None or not settings.telegram_token.get_secret_value():
        return None
    from mentorbot.shared_limits import RedisPacer

    bot_id = settings.telegram_token.get_secret_value().split(":", 1)[0]
    return RedisPacer(redis, f"{deployment_key(settings.database_url)}:tg:{bot_id}")


def platform_limits(settings: Settings, redis: Redis | None) -> RateStore | None:
    """With Redis, Slack's and Discord's limits are kept by every worker together."""
    if redis is None:
        return None
    from mentorbot.shared_limits import RedisLimits

    return RedisLimits(redis, f"{deployment_key(settings.database_url)}:limits", "chat limits")


def sender_limits(settings: Settings, redis: Redis | None) -> SenderLimits | None:
    """With Redis, a person's message rate is counted by every worker together (None: by
    each worker alone)."""
    if redis is None:
        return None
    from mentorbot.shared_limits import RedisSenderLimits

    return RedisSenderLimits(redis, f"{deployment_key(settings.database_url)}:limits")


def create_app(
    settings: Settings,
    *,
    clock: Clock | None = None,
    registry: CollectorRegistry | None = None,
) -> web.Application:
    """`registry`: where /metrics' collectors live (a new one per app unless given)."""
    metrics = Metrics.on(registry if registry is not None else CollectorRegistry())
    app = web.Application(middlewares=[security_headers, request_ids, metrics.middleware])
    app[SETTINGS] = settings
    app[METRICS] = metrics

    name = settings.worker_name or worker_name()
    redis = shared_redis(settings)
    if redis is not None:
        app[REDIS] = redis
    discord_lease = None
    discord_shards: list[Election] = []
    if settings.discord_token.get_secret_value():
        # Each gateway shard is held by one worker, elected like the scheduler by a lease of
        # its own ("discord:shard:i"); the bot runs the leases and connects a shard only
        # while holding its lease. Every worker competes for every shard independently, so
        # one worker may hold them all (it then carries the whole gateway; see docs/scale.md).
        count = settings.discord_shard_count
        discord_shards = [
            choose_lease(settings.database_url, redis, name, f"discord:shard:{i}")
            for i in range(count)
        ]
        discord_lease = discord_shards[0]
        app[DISCORD_GATEWAY] = discord_lease
        app[DISCORD_SHARDS] = discord_shards
        if count == 1:
            discord_shards = []  # one shard: the bot's own client holds it (as before)
        else:
            discord_lease = None

    async def core_ctx(app: web.Application) -> AsyncIterator[None]:
        core = await build_core(
            settings,
            clock,
            observer=metrics,
            rank_observer=metrics,
            sender_limits=sender_limits(settings, redis),
        )
        fanout = None
        if redis is not None:
            fanout = RedisFanout(redis, deployment_key(settings.database_url) + ":live", name)
        chat = WebChat(
            core,
            settings.signing_keys(),
            secure_cookie=settings.base_url.startswith("https"),
            fanout=fanout,
        )
        core.delivery.register(chat)
        app[CORE] = core
        app[WEBCHAT] = chat
        rooms = WebRooms(
            core, settings.secret(), secure_cookie=settings.base_url.startswith("https")
        )
        app[ROOMS] = rooms
        dms = WebMessages(core, settings.secret())
        app[MESSAGES] = dms
        sweeper = asyncio.create_task(_sweep_outbox(core, OUTBOX_SWEEP_S))
        # Community copies to post on each platform (DESIGN §11), woken after each commit.
        # tick_seconds = 0 (tests that watch every SQL statement): no idle polling either.
        bridge = asyncio.create_task(core.relay.run(60.0 if settings.tick_seconds else None))
        election = choose(settings.database_url, redis, name)
        app[ELECTION] = election
        electing = asyncio.create_task(election.run())
        fanning = None
        if fanout is not None:
            fanout.on("chat", functools.partial(chat_from, chat.from_elsewhere))
            fanout.on("room", functools.partial(room_from, rooms.from_elsewhere))
            unlisten = core.relay.listen(fanout.room_written)
            fanning = asyncio.create_task(fanout.run())
        ticker = Ticker(core, election, metrics)
        # tick_seconds = 0 turns time-driven work off (tests that watch every SQL statement).
        scheduler = (
            start_scheduler(ticker, settings.tick_seconds) if settings.tick_seconds else None
        )
        if scheduler is not None:

            async def refresh_busy_feeds() -> None:
                if election.held:  # one process loads the feeds
                    await refresh_due(core.deps)

            scheduler.add_job(
                traced_job("busy-feeds", refresh_busy_feeds),
                "interval",
                minutes=1,  # each feed is reloaded when its own refresh interval has passed
                id="busy-feeds",
                coalesce=True,
                max_instances=1,
            )
        retrain = None
        syncing = None
        engine = core.recommender if isinstance(core.recommender, MatchingEngine) else None
        if engine is not None:
            app[MATCHING] = engine
            # Several workers: the scheduler's holder retrains and publishes the model, the
            # others load it. One SQLite process (sole worker) retrains itself, as before.
            publish = election.kind != "sole"
            sync = ModelSync(
                engine,
                core.clock,
                worker=name,
                trainer=lambda: election.held,
                publish=publish,
                announce=fanout.model_published if fanout is not None else None,
            )
            if fanout is not None:
                fanout.on("model", functools.partial(model_from, sync.announced))
            if publish:
                syncing = asyncio.create_task(
                    sync.run(POLL_WITH_REDIS_S if fanout is not None else POLL_S)
                )
            if settings.match_retrain_minutes > 0:
                retrain = start_retrain_job(
                    engine, core.clock, settings.match_retrain_minutes, sync
                )
                metrics.watch(retrain)
        yield
        for sched in (scheduler, retrain):
            if sched is not None:
                sched.shutdown(wait=False)
        await ticker.close()
        if fanout is not None:
            unlisten()
        for task in (electing, fanning, syncing):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        await election.close()
        if redis is not None:
            await redis.aclose()
        if engine is not None:
            await engine.close()
        for task in (sweeper, bridge):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await chat.close_all()
        await rooms.close_all()
        rooms.close()
        await dms.close_all()
        dms.close()
        await core.db.dispose()

    async def close_sockets(app: web.Application) -> None:
        # Open WebSockets would otherwise hold graceful shutdown until its timeout.
        chat = app.get(WEBCHAT)
        if chat is not None:
            await chat.close_all()
        rooms = app.get(ROOMS)
        if rooms is not None:
            await rooms.close_all()
        dms = app.get(MESSAGES)
        if dms is not None:
            await dms.close_all()

    app.cleanup_ctx.append(core_ctx)
    # After core_ctx in cleanup_ctx order, so the bots start once the core exists.
    setup_platforms(
        app,
        settings,
        CORE,
        telegram_pacer=telegram_pacer(settings, redis),
        limits_store=platform_limits(settings, redis),
        discord_lease=discord_lease,
        discord_shards=discord_shards,
    )
    app.on_shutdown.append(close_sockets)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    setup_routes(app)
    setup_pages(app, lambda request: request.app[CORE])
    setup_admin_pages(
        app,
        lambda request: request.app[CORE].deps.signing_keys,
        lambda request: request.app[CORE],
        secure=settings.base_url.startswith("https"),
    )
    setup_mentor_page(app, lambda request: request.app[CORE])
    setup_payments(app, settings, CORE)
    setup_webhooks(app)
    setup_calls(app, lambda app: app[CORE], call_config(settings))
    # Last: on_startup handlers run after every cleanup_ctx has started.
    app.on_startup.append(settle_after_startup)
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
