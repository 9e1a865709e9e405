"""Direct messages: delivery latency from send to the other platform's fake (issue #16).

    .venv/bin/python -m bench.dms [--messages 100] [--rate 5]

One app (create_app) with the real aiogram and slack-bolt/slack_sdk stacks, each talking real
HTTP to its local fake (tests/adapters/*). A learner on Telegram and a mentor on Slack who
booked each other share a thread; the learner is in the "✉️ to …" mode. Two directions:

  Telegram → Slack: an update pushed into the Telegram fake, taken by aiogram's long polling,
  recorded by core, posted by the relay queue with chat.postMessage; measured until the Slack
  fake holds the copy.
  Slack → Telegram: a signed message.im event posted to the app's /slack/events, recorded,
  posted with sendMessage; measured until the Telegram fake holds it.

The platforms' per-chat rates and the per-sender limit are lifted so the figures are the
bridge's own (at a person's pace they never bind). Prints p50/p95 for each direction.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestServer

from core.app import CoreApp
from core.messaging import ActionIn, Actor
from core.ports import SystemClock
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.adapters.slack.driver import JSON_TYPE, SECRET, deliver, event_body
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.dm_support import booked, person

UNLIMITED = {p: (1e6, 1_000_000) for p in ("telegram", "slack", "discord")}
ASHA, MEERA = 707, "UMEERA"


def pct(xs: list[float], p: int) -> float:
    return statistics.quantiles(xs, n=100)[p - 1] * 1000 if len(xs) > 1 else xs[0] * 1000


async def wait_until(cond: Any, limit_s: float = 30.0) -> float:
    deadline = time.perf_counter() + limit_s
    while not cond():
        if time.perf_counter() > deadline:
            raise TimeoutError("a message did not arrive in time")
        await asyncio.sleep(0.001)
    return time.perf_counter()


async def run(srv: TestServer, tg: FakeBotAPI, sl: FakeSlack, n: int, rate: float) -> None:
    core: CoreApp = srv.app[CORE]
    core.relay.rates = dict(UNLIMITED)
    learner = await person(core, Actor("telegram", "telegram", str(ASHA), "Asha"))
    mentor = await person(core, Actor("slack", "T1", MEERA, "Meera"), mentor=True)
    await booked(core, learner, mentor)
    # Both in the "✉️ to …" mode: what each types goes to the other.
    await core.handle(
        Actor("telegram", "telegram", str(ASHA), "Asha"), ActionIn(f"dm:open:{mentor}")
    )
    await core.handle(Actor("slack", "T1", MEERA, "Meera"), ActionIn(f"dm:open:{learner}"))

    def slack_copies() -> int:
        return sum(1 for p in sl.posted if p.channel == "D" + MEERA and not p.user)

    def tg_copies() -> int:
        return sum(1 for (c, _), m in tg.messages.items() if c == ASHA and "bench" in m.html)

    to_slack: list[float] = []
    for i in range(n):
        have = slack_copies()
        t0 = time.perf_counter()
        tg.push(tg.text_update(ASHA, f"bench {i} from telegram", chat_id=ASHA, first_name="Asha"))
        to_slack.append(await wait_until(lambda h=have: slack_copies() > h) - t0)
        await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - t0)))
    to_tg: list[float] = []
    for i in range(n):
        have = tg_copies()
        event = {"type": "message", "channel_type": "im", "channel": "D" + MEERA, "user": MEERA,
                 "text": f"bench {i} from slack", "ts": f"1790000{i:03d}.000100"}  # fmt: skip
        t0 = time.perf_counter()
        await deliver(srv, event_body("T1", event), JSON_TYPE)
        to_tg.append(await wait_until(lambda h=have: tg_copies() > h) - t0)
        await asyncio.sleep(max(0.0, 1 / rate - (time.perf_counter() - t0)))
    print(f"direct messages, {n} each way at up to {rate:g}/s")
    for name, xs in (("Telegram → Slack", to_slack), ("Slack → Telegram", to_tg)):
        print(
            f"  {name}: p50 {pct(xs, 50):6.1f} ms   p95 {pct(xs, 95):6.1f} ms   max {max(xs) * 1000:6.1f} ms"
        )


async def main(n: int, rate: float) -> None:
    tg, sl = FakeBotAPI(), FakeSlack()
    await tg.start()
    await sl.start()
    sl.names[MEERA] = "Meera"
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite+aiosqlite:///{tmp}/dms.db",
            data_dir=tmp,
            secret_key="bench",  # type: ignore[arg-type]
            telegram_token=tg.token,  # type: ignore[arg-type]
            telegram_api_url=tg.url,
            telegram_mode="polling",
            slack_signing_secret=SECRET,  # type: ignore[arg-type]
            slack_bot_token="xoxb-test-token",  # type: ignore[arg-type]
            slack_api_url=sl.url,
            tick_seconds=0,
            match_model="none",
            dm_rate_per_min=1_000_000,
            dm_burst=1_000_000,
        )
        srv = TestServer(create_app(settings, clock=SystemClock()), host="127.0.0.1")
        await srv.start_server()
        try:
            await run(srv, tg, sl, n, rate)
        finally:
            await srv.close()
            await sl.close()
            await tg.close()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=100)
    ap.add_argument("--rate", type=float, default=5.0)
    a = ap.parse_args()
    asyncio.run(main(a.messages, a.rate))
