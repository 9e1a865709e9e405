"""Web chat round trips: 200 people at once over real WebSockets, against `mentorbot serve`
on the demo data, next to a plain aiohttp WebSocket echo server in the same run.

    .venv/bin/python -m bench.webchat [--users 200] [--messages 12] [--think-s 2.0]
        [--max-seconds 240]

Both servers run as processes of their own on 127.0.0.1; the users are asyncio tasks in this
one, each with its own cookie (a new person) speaking the page's protocol
(tests/e2e/webclient.py): a message out, frames back until `done`, which is the round trip.
Each person onboards as a learner (Learn, a name, a skill, a level, the rest skipped), then
alternates `/find <skill>` over the demo mentors with a look at the first mentor found
(a profile view). Two runs per server: paced (people pause 0.5-1.5x --think-s between
messages, first messages spread over one pause) and flat out (no pause: the capacity).
MentorBot is measured once matching is fully loaded (/healthz says `semantic`), as it
runs after its first minute; the echo server answers every frame with one message and `done`.
Every wait is bounded; the load average is printed.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

from tests.e2e.processes import REPO, free_port, process_env
from tests.e2e.webclient import WebChatClient

SKILLS = ("python", "react", "kubernetes", "machine learning", "sql", "guitar", "excel", "figma")
READY_WITHIN_S = 600.0  # the first start embeds every demo mentor with MiniLM


@dataclass
class Run:
    rtts: dict[str, list[float]] = field(default_factory=dict)
    errors: int = 0
    seconds: float = 0.0

    def add(self, kind: str, s: float) -> None:
        self.rtts.setdefault(kind, []).append(s)

    def all(self) -> list[float]:
        return [x for xs in self.rtts.values() for x in xs]


def pct(xs: list[float], q: float) -> float:
    s = sorted(xs)
    return s[min(len(s) - 1, max(0, round(q * len(s)) - 1))] * 1000 if s else 0.0


class Person:
    """One web chat user; times each message until the server's `done`."""

    def __init__(self, base: str, run: Run) -> None:
        self.c = WebChatClient(base)
        self.run = run

    async def timed(self, kind: str, act: Any) -> None:
        t0 = time.perf_counter()
        try:
            await asyncio.wait_for(act, 30)
        except (AssertionError, TimeoutError, aiohttp.ClientError, aiohttp.WSMessageTypeError):
            self.run.errors += 1
            return
        self.run.add(kind, time.perf_counter() - t0)

    def first_button(self) -> str | None:
        for m in self.c.last:
            for row in m.get("buttons") or []:
                for b in row:
                    if "payload" in b:
                        return str(b["label"])
        return None

    async def press_or_skip(self, label: str, kind: str) -> None:
        labels = [b["label"] for m in self.c.last for row in m.get("buttons") or [] for b in row]
        if any(label.casefold() in lb.casefold() for lb in labels):
            await self.timed(kind, self.c.press(label))


async def mentorbot_user(
    base: str, uid: int, messages: int, think_s: float, run: Run, deadline: float
) -> None:
    rng = random.Random(uid)
    p = Person(base, run)

    async def pause() -> None:
        if think_s:
            await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))

    try:
        await asyncio.sleep(think_s * rng.random())
        first = await asyncio.wait_for(p.c.open(), 30)
        p.c.last = [m for m in first if m["role"] == "bot"]
        script: list[tuple[str, Any]] = [
            ("onboarding", lambda: p.press_or_skip("Learn", "onboarding")),
            ("onboarding", lambda: p.timed("onboarding", p.c.say(f"Learner {uid}"))),
            ("onboarding", lambda: p.timed("onboarding", p.c.say(rng.choice(SKILLS)))),
            ("onboarding", lambda: p.press_or_skip("Beginner", "onboarding")),
            ("onboarding", lambda: p.press_or_skip("Skip", "onboarding")),
        ]
        sent = 0
        for _kind, step in script:
            if sent >= messages or time.monotonic() > deadline:
                return
            await pause()
            await step()
            sent += 1
        while sent < messages and time.monotonic() < deadline:
            await pause()
            await p.timed("/find", p.c.say(f"/find {rng.choice(SKILLS)}"))
            sent += 1
            mentor = p.first_button()
            if mentor is None or sent >= messages or time.monotonic() > deadline:
                continue
            await pause()
            await p.timed("profile view", p.c.press(mentor))
            sent += 1
    except (AssertionError, TimeoutError, aiohttp.ClientError, aiohttp.WSMessageTypeError):
        run.errors += 1
    finally:
        await p.c.close()


async def echo_user(
    base: str, uid: int, messages: int, think_s: float, run: Run, deadline: float
) -> None:
    rng = random.Random(uid)
    p = Person(base, run)
    try:
        await asyncio.sleep(think_s * rng.random())
        await asyncio.wait_for(p.c.open(), 30)
        for i in range(messages):
            if time.monotonic() > deadline:
                return
            if think_s:
                await asyncio.sleep(think_s * rng.uniform(0.5, 1.5))
            await p.timed("echo", p.c.say(f"message {i} from {uid}"))
    except (AssertionError, TimeoutError, aiohttp.ClientError, aiohttp.WSMessageTypeError):
        run.errors += 1
    finally:
        await p.c.close()


async def drive(
    base: str, user: Any, users: int, messages: int, think_s: float, max_s: float
) -> Run:
    run = Run()
    deadline = time.monotonic() + max_s
    t0 = time.perf_counter()
    await asyncio.gather(*(user(base, i, messages, think_s, run, deadline) for i in range(users)))
    run.seconds = time.perf_counter() - t0
    return run


def show(name: str, run: Run) -> None:
    xs = run.all()
    rate = len(xs) / run.seconds if run.seconds else 0.0
    print(
        f"  {name:<28} p50 {pct(xs, 0.5):7.1f} ms  p95 {pct(xs, 0.95):7.1f} ms  "
        f"{rate:7.1f} msg/s  ({len(xs)} answered, {run.errors} errors, {run.seconds:.1f} s)",
        flush=True,
    )
    if len(run.rtts) > 1:
        for kind, ks in sorted(run.rtts.items()):
            print(
                f"      {kind:<14} p50 {pct(ks, 0.5):7.1f} ms  p95 {pct(ks, 0.95):7.1f} ms  n={len(ks)}"
            )


# ------------------------------------------------------------------ the echo server


async def echo_ws(request: web.Request) -> web.WebSocketResponse:
    ws = web.WebSocketResponse()
    await ws.prepare(request)
    seq = 0
    async for msg in ws:
        if msg.type != aiohttp.WSMsgType.TEXT:
            continue
        data = msg.json()
        if data.get("type") == "text":
            seq += 1
            await ws.send_json(
                {"type": "message", "role": "bot", "seq": seq, "text": data["text"],
                 "html": None, "buttons": []}
            )  # fmt: skip
        # the page's id comes back on `done`, as the web chat answers it
        done = {"type": "done"} | ({"id": data["id"]} if "id" in data else {})
        await ws.send_json(done)
    return ws


async def chat_page(_request: web.Request) -> web.Response:
    return web.Response(text="<!doctype html><title>echo</title>", content_type="text/html")


def serve_echo(port: int) -> None:
    app = web.Application()
    app.router.add_get("/chat", chat_page)
    app.router.add_get("/ws", echo_ws)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


# ------------------------------------------------------------------ processes


@contextlib.asynccontextmanager
async def process(args: list[str], env: Mapping[str, str], log: Path) -> AsyncIterator[None]:
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, *args, env=process_env(env), cwd=REPO, stdout=out, stderr=out
        )
    try:
        yield
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def wait_for(url: str, ok: Any, within_s: float) -> None:
    deadline = time.monotonic() + within_s
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(url) as r:
                    if r.status == 200 and ok(await r.text()):
                        return
            await asyncio.sleep(0.2)
    raise SystemExit(f"{url} not ready within {within_s:.0f} s")


async def cli(args: list[str], env: Mapping[str, str]) -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "mentorbot.cli", *args, env=process_env(env), cwd=REPO,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    out, _ = await asyncio.wait_for(proc.communicate(), 300)
    if proc.returncode:
        raise SystemExit(out.decode())


async def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--users", type=int, default=200)
    ap.add_argument("--messages", type=int, default=12, help="per person and run (≤ 25)")
    ap.add_argument("--think-s", type=float, default=2.0)
    ap.add_argument("--max-seconds", type=float, default=240.0, help="per run")
    args = ap.parse_args()
    # Under the chat's own allowance (a burst of 30 per person): the bench measures answers,
    # not "slow down".
    messages = max(1, min(args.messages, 25))
    users = max(1, min(args.users, 1000))
    print(
        f"{users} users, {messages} messages each per run, think {args.think_s} s; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}",
        flush=True,
    )
    with tempfile.TemporaryDirectory(prefix="mb-webchat-") as tmp:
        root = Path(tmp)
        env = {
            "MENTORBOT_DATABASE_URL": f"sqlite+aiosqlite:///{root}/demo.db",
            "MENTORBOT_DATA_DIR": str(root),
            "MENTORBOT_SECRET_KEY": "bench-webchat",
            "MENTORBOT_LOG_LEVEL": "WARNING",
        }
        await cli(["seed", "--mentors", "300", "--learners", "200"], env)
        port, echo_port = free_port(), free_port()
        base, echo_base = f"http://127.0.0.1:{port}", f"http://127.0.0.1:{echo_port}"
        async with (
            process(
                ["-m", "mentorbot.cli", "serve"],
                {**env, "MENTORBOT_HTTP_PORT": str(port)},
                root / "serve.log",
            ),
            process(["-m", "bench.webchat", "--serve-echo", str(echo_port)], {}, root / "e.log"),
        ):
            await wait_for(base + "/healthz", lambda t: '"semantic": true' in t, READY_WITHIN_S)
            await wait_for(echo_base + "/chat", lambda t: True, 60)
            for label, think in (("paced", args.think_s), ("flat out", 0.0)):
                print(f"{label}:", flush=True)
                show(
                    "MentorBot",
                    await drive(base, mentorbot_user, users, messages, think, args.max_seconds),
                )
                show(
                    "aiohttp echo server",
                    await drive(echo_base, echo_user, users, messages, think, args.max_seconds),
                )
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-echo"]:  # the echo server's own process
        serve_echo(int(sys.argv[2]))
    else:
        asyncio.run(main())
