"""Request ids outside HTTP (issue 17): every run of a scheduled job logs under an id of its
own (`job:NAME:…`), even when the job was added while another id was in force."""

from __future__ import annotations

import asyncio
import logging

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from core.tracing import REQUEST_ID, traced, traced_job
from tests.log_support import json_logs

WAIT_S = 10.0


async def test_each_job_run_has_its_own_id() -> None:
    runs = asyncio.Queue[str]()

    async def tick() -> None:
        logging.getLogger("mentorbot.test").info("ticking")
        await runs.put(REQUEST_ID.get())

    scheduler = AsyncIOScheduler(timezone="UTC")
    with json_logs("mentorbot.trace", "mentorbot.test") as lines:
        with traced("http-request-1"):  # added while serving a request: not inherited
            scheduler.add_job(traced_job("tick", tick), "interval", seconds=0.2, id="tick")
        scheduler.start()
        try:
            ids = [await asyncio.wait_for(runs.get(), WAIT_S) for _ in range(2)]
        finally:
            scheduler.shutdown(wait=False)
    assert all(i.startswith("job:tick:") for i in ids) and ids[0] != ids[1]
    ticking = [p["request_id"] for p in lines if p["msg"] == "ticking"][:2]
    assert ticking == ids
    started = [p["request_id"] for p in lines if p["msg"] == "job tick started"][:2]
    assert started == ids
    assert REQUEST_ID.get() == ""


def test_an_outer_id_is_kept_and_restored() -> None:
    with traced("outer") as a:
        with traced("inner") as b:
            assert a == b == "outer" == REQUEST_ID.get()
        with traced("own", keep_outer=False) as c:
            assert c == "own" == REQUEST_ID.get()
        assert REQUEST_ID.get() == "outer"
    assert REQUEST_ID.get() == ""
