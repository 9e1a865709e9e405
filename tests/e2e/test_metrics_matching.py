"""Matching latency and scheduler lag in GET /metrics (issue 17), parsed back by
prometheus-client's parser: after a search in the web chat (the real recommender with the
small hashing embedder) and the scheduler's first runs; and a job started late on purpose
shows its lag."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from aiohttp.test_utils import TestServer
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from bots.web.identity import login_token
from mentorbot.app import create_app
from mentorbot.metrics import Metrics
from mentorbot.settings import Settings
from tests.e2e.webclient import WebChatClient

WAIT_S = 10.0


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,
        database_url=f"sqlite+aiosqlite:///{tmp_path}/metrics.db",
        data_dir=tmp_path,
        secret_key="metrics-secret",
        match_model="hashing",
        tick_seconds=1,  # the scheduler runs
    )


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[TestServer]:
    srv = TestServer(create_app(settings, registry=CollectorRegistry()), host="127.0.0.1")
    await srv.start_server()
    yield srv
    await srv.close()


def samples(text: str) -> list[Sample]:
    return [s for f in text_string_to_metric_families(text) for s in f.samples]


def value(found: list[Sample], name: str, **labels: str) -> float:
    return sum(
        s.value
        for s in found
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items())
    )


async def scrape(base: str) -> list[Sample]:
    async with aiohttp.ClientSession() as http, http.get(base + "/metrics") as resp:
        assert resp.status == 200
        return samples(await resp.text())


async def test_matching_latency_and_scheduler_lag_after_a_search(
    server: TestServer, settings: Settings
) -> None:
    base = str(server.make_url("")).rstrip("/")
    before = await scrape(base)
    assert value(before, "mentorbot_matching_rank_duration_seconds_count") == 0
    web = WebChatClient(base)
    try:
        await web.open(f"/login?token={login_token(settings.secret(), 'lena')}")
        await web.say("/find python")
    finally:
        await web.close()
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while True:  # the first booking tick runs at start-up, then every second
        after = await scrape(base)
        ticked = value(after, "mentorbot_scheduler_lag_seconds_count", job="booking-tick")
        if ticked >= 2 or asyncio.get_running_loop().time() > deadline:
            break
        await asyncio.sleep(0.2)
    ranked = [
        s for s in after if s.name == "mentorbot_matching_rank_duration_seconds_count" and s.value
    ]
    assert len(ranked) == 1 and ranked[0].value == 1
    assert ranked[0].labels["variant"] in ("hybrid", "content")
    assert value(after, "mentorbot_matching_rank_duration_seconds_sum") > 0
    assert ticked >= 2
    # Each run's lag is observed once and is not negative.
    assert value(after, "mentorbot_scheduler_lag_seconds_sum", job="booking-tick") >= 0
    assert value(after, "mentorbot_scheduler_job_runs_total", job="booking-tick") >= 1


async def test_a_late_job_shows_its_lag() -> None:
    metrics = Metrics.on(CollectorRegistry())
    scheduler = AsyncIOScheduler(timezone="UTC")
    metrics.watch(scheduler)
    ran = asyncio.Event()

    async def job() -> None:
        ran.set()

    # Due three seconds ago: started now, three seconds late.
    scheduler.add_job(
        job,
        "date",
        run_date=datetime.now(UTC) - timedelta(seconds=3),
        id="late",
        misfire_grace_time=60,
    )
    scheduler.start()
    try:
        await asyncio.wait_for(ran.wait(), WAIT_S)
    finally:
        scheduler.shutdown(wait=False)
    found = samples(metrics.text().decode())
    assert value(found, "mentorbot_scheduler_lag_seconds_count", job="late") == 1
    lag = value(found, "mentorbot_scheduler_lag_seconds_sum", job="late")
    assert 3 <= lag < 3 + WAIT_S
    assert value(found, "mentorbot_scheduler_lag_seconds_bucket", job="late", le="1.0") == 0
    assert value(found, "mentorbot_scheduler_lag_seconds_bucket", job="late", le="5.0") == 1
