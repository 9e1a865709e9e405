"""The community bridge: how many messages a second it relays, how long a message takes from
its source to the last copy, and what it costs in CPU per message.

    .venv/bin/python -m bench.bridge [--messages 400] [--rate 20]

One app (create_app) with the real aiogram, slack-bolt/slack_sdk and discord.py stacks, each
talking real HTTP to its local fake (tests/adapters/*), and one community linked to a
Telegram group, a Slack channel and a Discord channel. Messages are written in the community's
web room (core.room_say): each becomes three copies, one per platform. The fakes run in this
process, so the "full path" CPU includes them; "core only" repeats the run with recording
bridges (no HTTP) to show what the bridge itself adds.

The platforms' own rate limits are lifted for the measurement (a Telegram group takes about
20 messages a minute: at 20 msg/s its copies would queue for as long as the burst lasts, and
that wait is Telegram's, not the bridge's). Prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

from aiohttp.test_utils import TestServer

from core.app import CoreApp
from core.messaging import Actor
from core.ports import ChatRef, SystemClock
from mentorbot.app import CORE, create_app
from mentorbot.settings import Settings
from tests.adapters.discord.conftest import start_server
from tests.adapters.discord.fake_discord import CHANNEL_ID, FakeDiscord
from tests.adapters.slack.driver import SECRET
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.relay_support import RecordingBridge

TG = ChatRef("telegram", "telegram", "-100")
SL = ChatRef("slack", "T1", "C1")
DC = ChatRef("discord", "discord", CHANNEL_ID)
UNLIMITED = {p: (1e6, 1_000_000) for p in ("telegram", "slack", "discord")}


class Counting:
    """How many copies each platform's fake holds, read without touching the fakes' code."""

    def __init__(self, tg: FakeBotAPI | None, sl: FakeSlack | None, dc: FakeDiscord | None,
                 recorded: list[RecordingBridge]) -> None:  # fmt: skip
        self.tg, self.sl, self.dc, self.recorded = tg, sl, dc, recorded

    def least(self) -> int:
        """Copies on the platform that has the fewest; O(1), so watching costs little."""
        counts = [r.next_id for r in self.recorded]  # one id per post
        if self.tg is not None:
            counts.append(len(self.tg.messages))
        if self.sl is not None:
            counts.append(len(self.sl.posted))
        if self.dc is not None:
            counts.append(len(self.dc.messages))
        return min(counts)


async def community(core: CoreApp) -> tuple[int, Actor]:
    async with core.uow() as u:
        owner, _ = await u.identity.resolve(Actor("console", "console", "owner", "Owner"))
        owner.is_admin = True
        c = await u.communities.create(owner, "Bench Room", "Benchmarking the bridge", [])
        found = await u.communities.by_code(c.invite_code)
        assert found is not None
        for chat in (TG, SL, DC):
            await u.relay.link(owner, found, chat, "bench")
    writer = Actor("web", "web", "bench-writer", "Writer")
    await core.room_join(writer, c.id)
    return c.id, writer


async def run(core: CoreApp, count: Counting, n: int, rate: float | None) -> dict[str, float]:
    cid, writer = await community(core)
    core.relay.rates = dict(UNLIMITED)
    base = count.least()
    latencies: list[float] = []
    sent_at: list[float] = []
    done = asyncio.Event()

    async def watch() -> None:
        seen = 0
        deadline = time.perf_counter() + 120
        while seen < n and time.perf_counter() < deadline:
            have = count.least() - base
            now = time.perf_counter()
            while seen < have and seen < len(sent_at):
                latencies.append(now - sent_at[seen])
                seen += 1
            await asyncio.sleep(0.002)
        done.set()

    watcher = asyncio.create_task(watch())
    t0, c0 = time.perf_counter(), time.process_time()
    for i in range(n):
        if rate:
            await asyncio.sleep(max(0.0, t0 + i / rate - time.perf_counter()))
        sent_at.append(time.perf_counter())
        await core.room_say(writer, cid, f"message {i} about *asyncio* and @everyone")
    await asyncio.wait_for(done.wait(), 150)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    watcher.cancel()
    if len(latencies) < n:
        raise SystemExit(f"only {len(latencies)} of {n} messages reached every platform")
    q = statistics.quantiles(latencies, n=20)
    return {
        "msg_s": n / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p95_ms": q[18] * 1000,
        "cpu_ms": cpu / n * 1000,
    }


async def with_fakes(tmp: Path, n: int, rate: float | None) -> dict[str, float]:
    tg, sl, dc = FakeBotAPI(), FakeSlack(), FakeDiscord()
    for fake in (tg, sl, dc):
        await fake.start()
    sl.add_channel("C1")
    # Thousands of calls: the fakes' call logs would make the garbage collector the cost.
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp}/bridge.db",
        data_dir=tmp,
        secret_key="bench",  # type: ignore[arg-type]
        telegram_token=tg.token,  # type: ignore[arg-type]
        telegram_api_url=tg.url,
        telegram_mode="polling",
        slack_signing_secret=SECRET,  # type: ignore[arg-type]
        slack_bot_token="xoxb-test-token",  # type: ignore[arg-type]
        slack_api_url=sl.url,
        discord_token="fake-discord-token",  # type: ignore[arg-type]
        discord_api_url=dc.api_url,
        discord_gateway_url=dc.gateway_url,
        tick_seconds=0,
        match_model="none",
    )
    srv = await start_server(settings, SystemClock())
    try:
        return await run(srv.app[CORE], Counting(tg, sl, dc, []), n, rate)
    finally:
        await srv.close()
        for fake in (tg, sl, dc):
            await fake.close()


async def core_only(tmp: Path, n: int, rate: float | None) -> dict[str, float]:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite+aiosqlite:///{tmp}/core.db",
        data_dir=tmp,
        secret_key="bench",  # type: ignore[arg-type]
        tick_seconds=0,
        match_model="none",
    )
    srv = await start_server_plain(settings)
    try:
        core: CoreApp = srv.app[CORE]
        recorders = [RecordingBridge(p) for p in ("telegram", "slack", "discord")]
        for r in recorders:
            core.relay.register(r)
        return await run(core, Counting(None, None, None, recorders), n, rate)
    finally:
        await srv.close()


async def start_server_plain(settings: Settings) -> TestServer:
    srv = TestServer(create_app(settings), host="127.0.0.1")
    await srv.start_server()
    return srv


def show(name: str, r: dict[str, float]) -> None:
    print(
        f"{name:<34} {r['msg_s']:8.1f} msg/s   p50 {r['p50_ms']:7.1f} ms   "
        f"p95 {r['p95_ms']:7.1f} ms   CPU {r['cpu_ms']:6.2f} ms/msg",
        flush=True,
    )


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--messages", type=int, default=400)
    ap.add_argument("--rate", type=float, default=20.0, help="paced run, messages per second")
    a = ap.parse_args()
    n = max(20, min(a.messages, 5000))
    print(f"{n} messages from the web room, three copies each (Telegram, Slack, Discord)")
    with tempfile.TemporaryDirectory() as d:
        for label, fn in (
            ("full path (SDKs + fakes)", with_fakes),
            ("core only (recording)", core_only),
        ):
            for rate in (a.rate, None):
                sub = Path(d) / f"{fn.__name__}-{rate}"
                sub.mkdir()
                pace = f"{rate:g} msg/s" if rate else "flat out"
                show(f"{label}, {pace}", await fn(sub, n, rate))


if __name__ == "__main__":
    asyncio.run(main())
