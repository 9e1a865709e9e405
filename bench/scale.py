"""Workers behind nginx on one PostgreSQL and one Redis (issue 21): throughput and latency with
1, 2 and 3 workers, then one worker killed under load.

    .venv/bin/python -m bench.scale [--users 60] [--seconds 30] [--think-s 0.5]
        [--workers 1,2,3] [--database-url postgresql+asyncpg://...] [--redis-url redis://...]

A fresh PostgreSQL database gets the demo data (`mentorbot seed`, 100 mentors); each round
starts N `mentorbot serve` workers and Debian's nginx with deploy/nginx/mentorbot.conf in
front (tests/e2e/nginx_support.py), then `--users` web chat users (bench/webchat.py's
script: onboarding as a learner, then `/find` and a look at the first mentor found, pausing
0.5-1.5x `--think-s`) for `--seconds`. It prints round trips per second, p50/p95, and each
worker's CPU per answered message (read from /proc), so scaling can be read off honestly on
a machine with few cores. The last round runs two workers, kills the one holding the
scheduler with SIGKILL halfway, and reports what the users saw (messages answered, and
those lost with the killed worker's sockets: a page reconnects and replays its transcript),
and how long until the other worker held the scheduler. Every wait is bounded.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import tempfile
import time
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from bench.webchat import SKILLS, Person, Run, pct
from core.db.engine import Database
from mentorbot.migrate import upgrade
from tests.e2e.nginx_support import nginx_in_front
from tests.e2e.processes import postgres_database
from tests.e2e.test_workers_scheduler import Worker, worker

PG_DEFAULT = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
REDIS_DEFAULT = "redis://127.0.0.1:6379/0"
TICKS = os.sysconf("SC_CLK_TCK")


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


async def seed(url: str) -> None:
    from mentorbot.bootstrap import build_core
    from mentorbot.seed import seed as run_seed
    from mentorbot.settings import Settings

    db = Database.from_url(url)
    await upgrade(db.engine)
    await db.dispose()
    settings = Settings(_env_file=None, database_url=url, match_model="none")
    core = await build_core(settings, matching=False)
    try:
        await run_seed(core.db, mentors=100, learners=20, seed=7, now=core.clock.now())
    finally:
        await core.db.dispose()


class Tally(Run):
    reconnects: int = 0


class Reader(Person):
    """A Person who notices their own failed round trip (the Run's count is everyone's)."""

    failed = False

    async def timed(self, kind: str, act: Any) -> None:
        errors = self.run.errors
        await super().timed(kind, act)
        self.failed = self.failed or self.run.errors > errors


async def user(base: str, uid: int, think_s: float, run: Tally, deadline: float) -> None:
    """Onboards as a learner, then /find and a profile look until the deadline. A socket
    that fails (its worker was killed) is reopened as the page does — same cookie, hello
    with the transcript — and the round trip in flight counts as an error."""
    rng = random.Random(uid)
    p = Reader(base, run)
    try:
        await asyncio.wait_for(p.c.open(), 30)
        steps = [
            lambda: p.press_or_skip("Learn", "onboarding"),
            lambda: p.timed("onboarding", p.c.say(f"Learner {uid}")),
            lambda: p.timed("onboarding", p.c.say(rng.choice(SKILLS))),
        ]
        n = 0
        while time.monotonic() < deadline:
            await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
            p.failed = False
            if n < len(steps):
                await steps[n]()
            elif n % 2 and (mentor := p.first_button()) is not None:
                await p.timed("profile view", p.c.press(mentor))
            else:
                await p.timed("/find", p.c.say(f"/find {rng.choice(SKILLS)}"))
            n += 1
            if p.failed and time.monotonic() < deadline:
                run.reconnects += 1
                await asyncio.wait_for(p.c.open(), 30)
    except (AssertionError, TimeoutError, aiohttp.ClientError, aiohttp.WSMessageTypeError):
        run.errors += 1
    finally:
        await p.c.close()


async def load(base: str, users: int, seconds: float, think_s: float) -> Tally:
    run = Tally()
    deadline = time.monotonic() + seconds
    t0 = time.monotonic()
    await asyncio.gather(*(user(base, 10_000 + u, think_s, run, deadline) for u in range(users)))
    run.seconds = time.monotonic() - t0
    return run


def loadavg() -> str:
    """The machine is shared: each figure is printed with the load it was measured under."""
    return "   load " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def line(name: str, run: Run, cpu: dict[str, float]) -> str:
    xs = run.all()
    n = len(xs)
    per = sum(cpu.values()) / n * 1000 if n else 0.0
    spread = " ".join(f"{k} {v:.1f}s" for k, v in sorted(cpu.items()))
    return (
        f"{name:<10} {n:6d} answers {n / run.seconds:7.1f}/s   p50 {pct(xs, 0.5):7.1f} ms   "
        f"p95 {pct(xs, 0.95):7.1f} ms   errors {run.errors:3d}   "
        f"CPU {per:5.2f} ms/answer ({spread})"
    )


async def round_of(
    n: int, env: dict[str, str], args: argparse.Namespace, tmp: Path, kill: bool = False
) -> str:
    async with AsyncExitStack() as stack:
        workers: list[Worker] = []
        for i in range(n):
            name = f"w{i + 1}"
            workers.append(await stack.enter_async_context(worker(name, env, tmp / f"{name}.log")))
        ports = [int(urlsplit(w.base).port or 0) for w in workers]
        base = await stack.enter_async_context(nginx_in_front(ports, tmp / f"nginx{n}{kill}"))
        before = {w.name: cpu_s(w.proc.pid) for w in workers}
        if not kill:
            run = await load(base, args.users, args.seconds, args.think_s)
            cpu = {w.name: cpu_s(w.proc.pid) - before[w.name] for w in workers}
            return line(f"{n} worker{'s' if n > 1 else ''}", run, cpu) + loadavg()
        async with aiohttp.ClientSession() as http:
            holder = None
            for _ in range(100):
                roles = [await w.role(http) for w in workers]
                if roles.count("held") == 1:
                    holder = workers[roles.index("held")]
                    break
                await asyncio.sleep(0.2)
            assert holder is not None, "no single scheduler holder"
            other = next(w for w in workers if w is not holder)
            loading = asyncio.create_task(load(base, args.users, args.seconds, args.think_s))
            await asyncio.sleep(args.seconds / 2)
            holder.proc.send_signal(signal.SIGKILL)
            await holder.proc.wait()
            killed = time.monotonic()
            moved = None
            while time.monotonic() - killed < 60:
                if await other.role(http) == "held":
                    moved = time.monotonic() - killed
                    break
                await asyncio.sleep(0.25)
            run = await loading
        xs = run.all()
        took = f"{moved:.1f} s" if moved is not None else "not within 60 s"
        return (
            f"kill      {len(xs)} answered, {run.errors} lost in flight on the killed worker, "
            f"{run.reconnects} pages reconnected (of {args.users}); p95 {pct(xs, 0.95):.1f} ms; "
            f"scheduler moved to {other.name} in {took}"
        ) + loadavg()


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=60)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument("--think-s", type=float, default=0.5)
    ap.add_argument("--workers", default="1,2,3")
    ap.add_argument(
        "--database-url", default=os.environ.get("MENTORBOT_TEST_DATABASE_URL", PG_DEFAULT)
    )
    ap.add_argument(
        "--redis-url", default=os.environ.get("MENTORBOT_TEST_REDIS_URL", REDIS_DEFAULT)
    )
    args = ap.parse_args()
    args.users = max(1, min(args.users, 1000))
    args.seconds = max(5.0, min(args.seconds, 300.0))
    print(
        f"{args.users} web chat users for {args.seconds:.0f} s per round, think {args.think_s} s; "
        f"{os.cpu_count()} cores; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    async with postgres_database(args.database_url) as url:
        await seed(url)
        with tempfile.TemporaryDirectory(prefix="mb-scale-") as tmp:
            env = {
                "MENTORBOT_DATABASE_URL": url,
                "MENTORBOT_REDIS_URL": args.redis_url,
                "MENTORBOT_DATA_DIR": tmp,
                "MENTORBOT_SECRET_KEY": "scale-bench",
                "MENTORBOT_MATCH_MODEL": "hashing",
                "MENTORBOT_TICK_SECONDS": "5",
                "MENTORBOT_LOG_LEVEL": "WARNING",
            }
            for n in (int(x) for x in args.workers.split(",") if x.strip()):
                print(await round_of(n, env, args, Path(tmp)), flush=True)
            print(await round_of(2, env, args, Path(tmp), kill=True), flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    asyncio.run(main())
