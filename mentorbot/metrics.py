"""`GET /metrics` in Prometheus text format (issue 17), on a CollectorRegistry the app owns.

Request latency per route (an aiohttp middleware), chat step latency per dialog (core's
StepObserver port), matching latency per experiment variant (the RankObserver port: the
recommender's ranking of one query), scheduler job runs and lag (how late each job started
after its due time, from APScheduler's submission events), and, read from the database at
each scrape: outbox
depth per state and platform (dead letters are the delivery failures), bookings by status,
payments by state, and open WebSocket connections."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from apscheduler.events import EVENT_JOB_SUBMITTED, JobSubmissionEvent
from apscheduler.schedulers.base import BaseScheduler
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.exposition import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import func, select

from core.app import CoreApp
from core.booking.tables import STATUSES, Booking
from core.ledger.tables import Payment

PAYMENT_STATES = ("created", "failed", "captured", "refunded", "settled")
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# A job a few milliseconds late is on time; one minutes late means the loop was starved or
# the process was asleep.
LAG_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1.0, 5.0, 15.0, 60.0, 300.0)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass
class Metrics:
    registry: CollectorRegistry
    requests: Histogram
    steps: Histogram
    jobs: Counter
    outbox: Gauge
    bookings: Gauge
    payments: Gauge
    websockets: Gauge
    ranking: Histogram
    lag: Histogram

    @classmethod
    def on(cls, registry: CollectorRegistry) -> Metrics:
        return cls(
            registry,
            Histogram(
                "mentorbot_http_request_duration_seconds",
                "HTTP request latency by route",
                ("route", "method", "status"),
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            Histogram(
                "mentorbot_dialog_step_duration_seconds",
                "Chat step latency by dialog and platform (inside the unit of work)",
                ("dialog", "platform"),
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            Counter(
                "mentorbot_scheduler_job_runs",
                "Scheduler job runs by job and outcome",
                ("job", "outcome"),
                registry=registry,
            ),
            Gauge(
                "mentorbot_outbox_messages",
                "Notifications not sent yet, by state (pending, parked, dead) and platform",
                ("state", "platform"),
                registry=registry,
            ),
            Gauge("mentorbot_bookings", "Bookings by status", ("status",), registry=registry),
            Gauge("mentorbot_payments", "Gateway payments by state", ("state",), registry=registry),
            Gauge(
                "mentorbot_websocket_connections",
                "Open WebSocket connections (chat, call rooms)",
                ("kind",),
                registry=registry,
            ),
            Histogram(
                "mentorbot_matching_rank_duration_seconds",
                "Time the recommender took to rank one query, by experiment variant",
                ("variant",),
                buckets=LATENCY_BUCKETS,
                registry=registry,
            ),
            Histogram(
                "mentorbot_scheduler_lag_seconds",
                "How late a scheduled job started after its due time, by job",
                ("job",),
                buckets=LAG_BUCKETS,
                registry=registry,
            ),
        )

    def step(self, dialog: str, seconds: float, platform: str) -> None:
        """core.ports.StepObserver."""
        self.steps.labels(dialog, platform).observe(seconds)

    def ranked(self, variant: str, seconds: float) -> None:
        """core.ports.RankObserver."""
        self.ranking.labels(variant).observe(seconds)

    def watch(self, scheduler: BaseScheduler) -> None:
        """Observe each job's lag when the scheduler hands it to its executor. A coalesced run
        stands for every due time it missed: its lag is from the earliest."""

        def submitted(event: JobSubmissionEvent) -> None:
            if event.scheduled_run_times:
                due = min(event.scheduled_run_times)
                self.lag.labels(str(event.job_id)).observe(
                    max(0.0, (datetime.now(UTC) - due).total_seconds())
                )

        scheduler.add_listener(submitted, EVENT_JOB_SUBMITTED)

    def job(self, name: str, ok: bool) -> None:
        self.jobs.labels(name, "ok" if ok else "failed").inc()

    @web.middleware
    async def middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        started = time.perf_counter()
        status = 500
        try:
            response = await handler(request)
            status = response.status
            return response
        except web.HTTPException as exc:
            status = exc.status
            raise
        finally:
            resource = request.match_info.route.resource
            route = resource.canonical if resource is not None else "unmatched"
            self.requests.labels(route, request.method, str(status)).observe(
                time.perf_counter() - started
            )

    async def refresh(self, core: CoreApp, sockets: dict[str, int]) -> None:
        """The gauges read from the database and the live sockets, just before a scrape."""
        async with core.db.transaction() as s:
            report = await core.delivery.report(s, latest=0)
            by_status = {
                str(k): int(n)
                for k, n in await s.execute(
                    select(Booking.status, func.count()).group_by(Booking.status)
                )
            }
            by_state = {
                str(k): int(n)
                for k, n in await s.execute(
                    select(Payment.state, func.count()).group_by(Payment.state)
                )
            }
        self.outbox.clear()
        for (state, platform), n in report.counts.items():
            self.outbox.labels(state, platform).set(n)
        for status in STATUSES:
            self.bookings.labels(status).set(by_status.get(status, 0))
        for state in PAYMENT_STATES:
            self.payments.labels(state).set(by_state.get(state, 0))
        for kind, n in sockets.items():
            self.websockets.labels(kind).set(n)

    def text(self) -> bytes:
        return generate_latest(self.registry)


CONTENT_TYPE = CONTENT_TYPE_LATEST
