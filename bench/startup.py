"""Cold start of `mentorbot serve` on the demo database: how long until it is of use.

    .venv/bin/python -m bench.startup [--repeat 3] [--platforms none,telegram,slack,discord]
        [--checkout DIR]

The demo data (`mentorbot seed --mentors 300 --learners 200`, as `mentorbot demo` seeds) is
written once to a temp SQLite file and served once until its mentor embeddings are stored
(as a demo that has run before has them; this first start is reported apart). Each run
then starts `python -m mentorbot.cli serve` on a fresh copy of that file and times, from
the moment the process is spawned:

- `/healthz` answering 200;
- the first web chat answer: the chat page, the WebSocket (as tests/e2e/webclient.py speaks
  it), then "hi" until the answer is complete;
- the first answered search (`/find python`, sent right after);
- matching fully loaded, read from /healthz: TF-IDF and CF fitted (`tfidf_cf`), then the
  MiniLM model loaded and every mentor embedded (`semantic`).

With a platform configured, its adapter runs against the local fake from tests/adapters
(Telegram polling the fake Bot API, Slack over the fake Web API, Discord over the fake REST
API and gateway), so its SDK's import and wiring are in the figures. Every wait is bounded.
The machine's load average is printed: on a shared 2-core machine, time is shared too.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import signal
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import aiohttp

from tests.adapters.discord.fake_discord import FakeDiscord
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.e2e.processes import REPO, free_port, process_env
from tests.e2e.webclient import WebChatClient

PLATFORMS = ("none", "telegram", "slack", "discord")
UP_WITHIN_S = 120.0  # any single wait; a run that takes longer is reported as failed
# The first start embeds every demo mentor with MiniLM: minutes on a busy 2-core machine.
READY_WITHIN_S = 600.0
POLL_S = 0.01


class RunFailed(Exception):
    pass


# The code that is started: this checkout, or another one given with --checkout (e.g. an
# older commit, `git archive <commit> | tar -x -C DIR`), for a before/after comparison.
checkout = REPO


@contextlib.asynccontextmanager
async def platform_env(platform: str) -> AsyncIterator[dict[str, str]]:
    """The settings that turn a platform on, pointed at its local fake (running meanwhile)."""
    if platform == "none":
        yield {}
    elif platform == "telegram":
        tg = FakeBotAPI()
        await tg.start()
        try:
            yield {"MENTORBOT_TELEGRAM_TOKEN": tg.token, "MENTORBOT_TELEGRAM_API_URL": tg.url}
        finally:
            await tg.close()
    elif platform == "slack":
        sl = FakeSlack()
        await sl.start()
        try:
            yield {
                "MENTORBOT_SLACK_SIGNING_SECRET": "bench-signing-secret",
                "MENTORBOT_SLACK_BOT_TOKEN": "xoxb-bench-token",
                "MENTORBOT_SLACK_API_URL": sl.url,
            }
        finally:
            await sl.close()
    elif platform == "discord":
        dc = FakeDiscord()
        await dc.start()
        try:
            yield {
                "MENTORBOT_DISCORD_TOKEN": "bench-discord-token",
                "MENTORBOT_DISCORD_API_URL": dc.api_url,
                "MENTORBOT_DISCORD_GATEWAY_URL": dc.gateway_url,
            }
        finally:
            await dc.close()
    else:
        raise ValueError(f"unknown platform {platform!r}: one of {', '.join(PLATFORMS)}")


def base_env(db: Path, data: Path) -> dict[str, str]:
    return {
        "MENTORBOT_DATABASE_URL": f"sqlite+aiosqlite:///{db}",
        "MENTORBOT_DATA_DIR": str(data),
        "MENTORBOT_SECRET_KEY": "bench-startup",
        "MENTORBOT_LOG_LEVEL": "WARNING",
    }


async def run_cli(args: list[str], env: Mapping[str, str]) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mentorbot.cli", *args,
        env=process_env(env), cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), UP_WITHIN_S)
    if proc.returncode:
        raise RunFailed(f"mentorbot {' '.join(args)} failed:\n{out.decode()}")


async def health(http: aiohttp.ClientSession, base: str) -> dict[str, Any] | None:
    try:
        async with http.get(base + "/healthz") as resp:
            if resp.status == 200:
                body: dict[str, Any] = await resp.json()
                return body
    except aiohttp.ClientConnectionError:
        pass
    return None


async def until(
    what: str, proc: asyncio.subprocess.Process, check: Any, within_s: float = UP_WITHIN_S
) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if proc.returncode is not None:
            raise RunFailed(f"server exited ({proc.returncode}) waiting for {what}")
        if await check():
            return
        await asyncio.sleep(POLL_S)
    raise RunFailed(f"no {what} within {within_s:.0f} s")


def cpu_seconds(pid: int) -> float:
    """CPU time the process has used so far, all its threads (Linux /proc; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def one_start(env: Mapping[str, str], log: Path) -> tuple[dict[str, float], dict[str, float]]:
    """Seconds from spawning `mentorbot serve` to each milestone, and the CPU seconds the
    server had used by then (on a loaded machine the first grows, the second doesn't)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    full = {**process_env({**env, "MENTORBOT_HTTP_PORT": str(port)}), "PYTHONPATH": str(checkout)}
    marks: dict[str, float] = {}
    cpu: dict[str, float] = {}
    with log.open("wb") as out:
        t0 = time.perf_counter()
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "mentorbot.cli", "serve",
            env=full, cwd=checkout, stdout=out, stderr=out,
        )  # fmt: skip
    chat = WebChatClient(base)
    try:
        async with aiohttp.ClientSession() as http:

            async def up() -> bool:
                return await health(http, base) is not None

            await until("/healthz 200", proc, up)
            marks["healthz"] = time.perf_counter() - t0
            cpu["healthz"] = cpu_seconds(proc.pid)
            await asyncio.wait_for(chat.open(), UP_WITHIN_S)
            await asyncio.wait_for(chat.say("hi"), UP_WITHIN_S)
            if not chat.last:
                raise RunFailed("no answer to 'hi'")
            marks["first answer"] = time.perf_counter() - t0
            cpu["first answer"] = cpu_seconds(proc.pid)
            await asyncio.wait_for(chat.say("/find python"), UP_WITHIN_S)
            if not chat.last:
                raise RunFailed("no answer to '/find python'")
            marks["first search"] = time.perf_counter() - t0
            cpu["first search"] = cpu_seconds(proc.pid)
            if "matching" not in (await health(http, base) or {}):
                return marks, cpu  # a checkout from before /healthz told matching readiness
            for part, label in (("tfidf_cf", "TF-IDF+CF ready"), ("semantic", "semantic ready")):

                async def ready(part: str = part) -> bool:
                    got = await health(http, base) or {}
                    return bool(got.get("matching", {}).get(part))

                await until(label, proc, ready, READY_WITHIN_S)
                marks[label] = time.perf_counter() - t0
                cpu[label] = cpu_seconds(proc.pid)
    finally:
        await chat.close()
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
    return marks, cpu


def copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm"):  # SQLite's sidecars, if left
        if Path(f"{src}{suffix}").exists():
            shutil.copy(f"{src}{suffix}", f"{dst}{suffix}")


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def show(title: str, runs: list[tuple[dict[str, float], dict[str, float]]]) -> None:
    print(f"{title}: {len(runs)} runs, seconds from spawn (median, min - max), server CPU s")
    for key in runs[0][0]:
        xs = [r[0][key] for r in runs]
        cs = [r[1][key] for r in runs]
        print(
            f"  {key:<16} {statistics.median(xs):6.2f}   {min(xs):6.2f} - {max(xs):6.2f}"
            f"   cpu {statistics.median(cs):6.2f}",
            flush=True,
        )


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--platforms", default=",".join(PLATFORMS))
    ap.add_argument("--mentors", type=int, default=300)
    ap.add_argument("--learners", type=int, default=200)
    ap.add_argument("--checkout", type=Path, help="start the server from this source tree")
    args = ap.parse_args()
    global checkout
    if args.checkout:
        checkout = args.checkout.resolve()
    platforms = [p.strip() for p in args.platforms.split(",") if p.strip()]
    for p in platforms:
        if p not in PLATFORMS:
            sys.exit(f"unknown platform {p!r}: one of {', '.join(PLATFORMS)}")
    repeat = max(1, min(args.repeat, 10))
    with tempfile.TemporaryDirectory(prefix="mb-startup-") as tmp:
        root = Path(tmp)
        template = root / "demo.db"
        env = base_env(template, root / "data")
        print(f"load average before: {load_average()}", flush=True)
        await run_cli(
            ["seed", "--mentors", str(args.mentors), "--learners", str(args.learners)], env
        )
        # The demo's first start: nothing compiled or embedded yet.
        first = await one_start(env, root / "first.log")
        show("first start ever (embeds every mentor, writes .pyc files)", [first])
        for platform in platforms:
            runs = []
            for i in range(repeat):
                db = root / f"{platform}-{i}.db"
                copy_db(template, db)
                async with platform_env(platform) as extra:
                    runs.append(
                        await one_start(
                            {**base_env(db, root / "data"), **extra}, root / f"{platform}.log"
                        )
                    )
            show(f"platform: {platform}", runs)
        print(f"load average after: {load_average()}", flush=True)


if __name__ == "__main__":
    asyncio.run(main())
