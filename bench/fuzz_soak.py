"""Hostile input soak for the web chat (issue #14): prints figures, asserts nothing.

    .venv/bin/python bench/fuzz_soak.py [--frames 10000] [--users 50] [--rate 4.5] [--seed 14]

A real server (mentorbot.app.create_app, a temp SQLite file, 127.0.0.1) runs in its own
process and logs to a file. M WebSocket users, each with its own cookie (its own person),
send N frames between them: chat text and commands, real button payloads, made-up payloads
of every prefix, hello with bad last_seq, JSON of the wrong shape or nested thousands deep,
lone surrogates, blank and over-long text, binary frames, plain garbage. Each user waits for
a frame's answer (a reply ending in `done`, or an `error` frame) before the next, paced to
--rate frames/s, under the per-person limit of 5/s (bots/web/limits.py) so the soak
exercises handling, not the limiter; "slow down" answers still count as answers and are
reported. Frames over the 64 KiB frame limit are left out: they close the socket with 1009
by design (tests/e2e/test_web_abuse.py).

Counts: dropped sockets (closed by the server or reset; a close on purpose, 1008 or 1009
with a reason, is counted apart as that frame's answer), unanswered frames (no `done` or
`error` within --answer-timeout), tracebacks and ERROR lines in the server's log. Bounded:
N frames, --max-seconds overall; only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import multiprocessing as mp
import random
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

WORDS = ["python", "react", "Ravi", "skip", "English", "India", "yes", "1", "kubernetes", "help"]
COMMANDS = ["/help", "/menu", "/find python", "/profile", "/sessions", "/wallet", "/start"]
PREFIXES = ["menu", "pe", "pv", "pp", "adm", "bk", "rt", "wal", "walc", "form", "ob", "fm", "bb"]
PREFIXES += ["sk", "lk"]
POLICY = (1008, 1009)
JUNK = ["", "²", "٣", "-1", "9" * 25, "\ud800", ":", "x" * 30, "0"]


def serve(folder: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """The server process: the app from create_app on 127.0.0.1; logs to folder/server.log."""
    logging.basicConfig(
        filename=f"{folder}/server.log",
        level=logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)

    async def main() -> None:
        from aiohttp import web

        from mentorbot.app import create_app
        from mentorbot.settings import Settings

        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite+aiosqlite:///{folder}/soak.db",
            data_dir=Path(folder),
            secret_key="soak-secret",  # type: ignore[arg-type]
            match_model="hashing",
        )
        runner = web.AppRunner(create_app(settings), access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        out.put(int(runner.addresses[0][1]))
        await asyncio.Event().wait()

    asyncio.run(main())


def frame(rng: random.Random, buttons: list[str]) -> str | bytes:
    """One frame a hostile (or clumsy, or normal) client might send."""
    k = rng.random()
    if k < 0.20 and buttons:
        p = rng.choice(buttons)
        return json.dumps({"type": "action", "payload": p, "label": "x"})
    if k < 0.32:
        return json.dumps({"type": "text", "text": rng.choice(WORDS)})
    if k < 0.40:
        return json.dumps({"type": "text", "text": rng.choice(COMMANDS) + " " + rng.choice(JUNK)})
    if k < 0.50:
        parts = [rng.choice(JUNK) for _ in range(rng.randint(0, 3))]
        payload = ":".join([rng.choice(PREFIXES), *parts])[:100]
        return json.dumps({"type": "action", "payload": payload, "label": rng.choice(JUNK)})
    if k < 0.55:
        seq = rng.choice([True, -5, 2**70, "7", None, 1.5, 0, 3])
        return json.dumps({"type": "hello", "last_seq": seq})
    if k < 0.62:
        d = rng.randint(100, 30_000)
        return "[" * d + "]" * d
    if k < 0.68:
        return json.dumps({"type": rng.choice(["text", "action", "shout", 5, None]), "text": 5})
    if k < 0.73:
        return '{"type":"text","text":"Ra\\ud800vi\\u0000\\u0007"}'
    if k < 0.77:
        return json.dumps({"type": "text", "text": rng.choice(["   ", "\n\t", ""])})
    if k < 0.79:
        return json.dumps({"type": "text", "text": "z" * 4001})
    if k < 0.84:
        return bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    if k < 0.92:
        return "".join(chr(rng.randrange(32, 0x2FFF)) for _ in range(rng.randint(0, 80)))
    return json.dumps({"type": "action", "payload": {"x": [1, {"y": None}]}, "label": 7})


@dataclass
class Tally:
    sent: int = 0
    answered: int = 0
    slowed: int = 0
    refused: int = 0
    unanswered: int = 0
    dropped: int = 0
    policy: int = 0  # closed on purpose: 1008 flood, 1009 too big, again and again
    close_codes: dict[int, int] = field(default_factory=dict)
    latencies: list[float] = field(default_factory=list)


class User:
    def __init__(self, base: str, rng: random.Random, tally: Tally, timeout_s: float) -> None:
        self.base = base
        self.rng = rng
        self.tally = tally
        self.timeout_s = timeout_s
        self.buttons: list[str] = []

    async def connect(self, http: Any) -> Any:
        async with http.get(self.base + "/chat") as r:
            await r.read()
        ws = await http.ws_connect(
            self.base.replace("http", "ws") + "/ws", headers={"Origin": self.base}
        )
        await ws.send_json({"type": "hello", "last_seq": 0})
        await self.answer(ws)
        return ws

    async def answer(self, ws: Any) -> str | int | None:
        """Read to the end of one answer: 'done', an error's text, the close code if the
        server closed the socket, or None if nothing came."""
        import aiohttp

        while True:
            msg = await ws.receive(timeout=self.timeout_s)
            if msg.type != aiohttp.WSMsgType.TEXT:
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED):
                    code = int(msg.data or 0) if msg.type == aiohttp.WSMsgType.CLOSE else 0
                    self.tally.close_codes[code] = self.tally.close_codes.get(code, 0) + 1
                    return code
                return None
            f = json.loads(msg.data)
            if f["type"] == "message":
                found = [b["payload"] for row in f["buttons"] for b in row if "payload" in b]
                if f.get("choices"):
                    found += [c["payload"] for c in f["choices"]["options"]]
                if found:
                    self.buttons = found
            if f["type"] == "done":
                return "done"
            if f["type"] == "error":
                return str(f["text"])

    async def run(self, frames: int, rate: float) -> None:
        import aiohttp

        from bots.web.limits import SLOW_DOWN

        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            ws = await self.connect(http)
            for _ in range(frames):
                started = time.perf_counter()
                f = frame(self.rng, self.buttons)
                self.tally.sent += 1
                try:
                    await (ws.send_bytes(f) if isinstance(f, bytes) else ws.send_str(f))
                    end = await self.answer(ws)
                except (TimeoutError, aiohttp.ClientError, ConnectionError):
                    end = None
                if isinstance(end, int) and end in POLICY:
                    # Closed on purpose, with a code and a reason: that is its answer.
                    self.tally.answered += 1
                    self.tally.policy += 1
                    ws = await self.connect(http)
                elif end is None or isinstance(end, int):
                    self.tally.unanswered += 1
                    if ws.closed:
                        self.tally.dropped += 1
                        ws = await self.connect(http)
                else:
                    self.tally.answered += 1
                    self.tally.latencies.append(time.perf_counter() - started)
                    if end == SLOW_DOWN:
                        self.tally.slowed += 1
                    elif end != "done":
                        self.tally.refused += 1
                if rate > 0:
                    await asyncio.sleep(max(0.0, 1.0 / rate - (time.perf_counter() - started)))
            await ws.close()


async def fresh_user_starts(base: str) -> bool:
    user = User(base, random.Random(0), Tally(), 30.0)
    import aiohttp

    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
        ws = await user.connect(http)
        await ws.send_json({"type": "text", "text": "/start"})
        ok = await user.answer(ws) == "done" and bool(user.buttons)
        await ws.close()
    return ok


async def soak(base: str, args: argparse.Namespace) -> tuple[Tally, float, bool]:
    tally = Tally()
    per_user = [
        args.frames // args.users + (i < args.frames % args.users) for i in range(args.users)
    ]
    users = [
        User(base, random.Random(args.seed * 1000 + i), tally, args.answer_timeout)
        for i in range(args.users)
    ]
    t0 = time.perf_counter()
    async with asyncio.timeout(args.max_seconds):
        await asyncio.gather(*(u.run(n, args.rate) for u, n in zip(users, per_user, strict=True)))
    took = time.perf_counter() - t0
    return tally, took, await fresh_user_starts(base)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=10_000)
    ap.add_argument("--users", type=int, default=50)
    ap.add_argument(
        "--rate", type=float, default=4.5, help="frames/s per user (limit: 5); 0: no pacing"
    )
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--answer-timeout", type=float, default=30.0)
    ap.add_argument("--max-seconds", type=float, default=900.0)
    ap.add_argument("--keep-log", type=Path, help="copy the server's log here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="soak-") as folder:
        ctx = mp.get_context("spawn")
        q: mp.Queue = ctx.Queue()  # type: ignore[type-arg]
        proc = ctx.Process(target=serve, args=(folder, q), daemon=True)
        proc.start()
        try:
            port = q.get(timeout=120)
            base = f"http://127.0.0.1:{port}"
            tally, took, fresh_ok = asyncio.run(soak(base, args))
        finally:
            proc.terminate()
            proc.join(10)
        log = Path(folder, "server.log").read_text(errors="replace")
    if args.keep_log:
        args.keep_log.write_text(log)
    tracebacks = log.count("Traceback (most recent call last)")
    errors = sum(1 for line in log.splitlines() if " ERROR " in line or " CRITICAL " in line)
    lat = sorted(tally.latencies) or [0.0]
    print(f"fuzz soak: {args.frames} frames over {args.users} WebSocket users, seed {args.seed}")
    pace = f"paced at {args.rate}/s per user" if args.rate > 0 else "not paced"
    done = tally.answered - tally.slowed - tally.refused - tally.policy
    print(f"  took {took:.1f} s ({tally.sent / took:.0f} frames/s), {pace}")
    print(
        f"  answered: {tally.answered} ({done} done, {tally.refused} refused in words, "
        f"{tally.slowed} slow down, {tally.policy} closed on purpose with 1008/1009)"
    )
    print(f"  unanswered frames: {tally.unanswered}")
    print(f"  dropped sockets: {tally.dropped}  close codes seen: {tally.close_codes or 'none'}")
    print(f"  server log: {tracebacks} tracebacks, {errors} ERROR lines")
    print(
        f"  answer latency: p50 {statistics.median(lat) * 1000:.0f} ms, "
        f"p95 {lat[int(len(lat) * 0.95) - 1] * 1000:.0f} ms"
    )
    print(f"  a fresh user completes /start afterwards: {'yes' if fresh_ok else 'NO'}")


if __name__ == "__main__":
    main()
