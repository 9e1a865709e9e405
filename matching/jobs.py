"""The retrain job: APScheduler's AsyncIOScheduler refreshes the index, CF model and blend."""

from __future__ import annotations

import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.ports import Clock
from core.tracing import traced_job
from matching.engine import MatchingEngine

log = logging.getLogger(__name__)


async def retrain_once(engine: MatchingEngine, clock: Clock) -> None:
    try:
        await engine.retrain(clock.now())
    except Exception:
        log.exception("matching retrain failed; the previous models stay in use")


def start_retrain_job(engine: MatchingEngine, clock: Clock, minutes: float) -> AsyncIOScheduler:
    """Start the scheduler on the running loop; one job, never overlapping itself."""
    scheduler = AsyncIOScheduler()
    scheduler.add_job(
        traced_job("matching-retrain", retrain_once),
        "interval",
        args=(engine, clock),
        minutes=minutes,
        id="matching-retrain",
        max_instances=1,
        coalesce=True,
    )
    scheduler.start()
    return scheduler
