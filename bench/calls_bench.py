"""Call-room figures on loopback (prints, asserts nothing; DESIGN §9).

    .venv/bin/python bench/calls_bench.py [--joins 10] [--seconds 8]

1. Join-to-connected: two aiortc participants join a room through the real signaling
   endpoint; the time from the second one's join to both ICE-connected, p50/p95.
2. CPU per relayed call: the server (its own process, relay mode) forwards both people's
   video at 320×240 and 640×480, 30 fps; its CPU over a fixed window, in % of one core.
3. Group rooms (`--groups`, or alone with `--groups-only`): 3, 4 and 6 participants of a
   group session, each sending 320×240 or 640×480 video at `--group-fps`; the server
   forwards every participant's video to every other (n·(n−1) streams). Server CPU in % of
   one core, per participant, and the frames per second each received stream delivered.
Bounded: a few iterations and fixed windows; only 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import multiprocessing as mp
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def loopback_only() -> None:
    import aioice.ice

    aioice.ice.get_host_addresses = lambda *a, **k: ["127.0.0.1"]  # type: ignore[assignment]


def serve(mode: str, folder: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """The server process: a booked room, open now; sends (url, tokens) then serves."""
    loopback_only()

    async def main() -> None:
        from aiohttp.test_utils import TestServer

        from tests.e2e.rooms_support import call_settings, start_call

        del call_settings
        gen = start_call(Path(folder), call_mode=mode)
        call = await gen.__anext__()
        assert isinstance(call.server, TestServer)
        out.put((call.url, call.token("mentor"), call.token("learner")))
        await asyncio.Event().wait()

    asyncio.run(main())


def serve_group(learners: int, folder: str, out: mp.Queue) -> None:  # type: ignore[type-arg]
    """A server process with a group session of `learners` seats, all taken, open now."""
    loopback_only()

    async def main() -> None:
        from tests.e2e.rooms_support import start_group

        gen = start_group(Path(folder), learners)
        group = await gen.__anext__()
        out.put((group.url, [group.token(group.mentor), *map(group.token, group.seats)]))
        await asyncio.Event().wait()

    asyncio.run(main())


async def group_cpu(
    url: str, tokens: list[str], pid: int, size: tuple[int, int], fps: int, seconds: float
) -> tuple[float, float]:
    """(server CPU % of one core, frames/s per received stream) for one group call."""
    from calls.client import PatternTrack, RoomClient

    clients = [RoomClient(url, t, video=PatternTrack(*size, fps=fps)) for t in tokens]
    others = len(clients) - 1
    frames = 0
    stop = asyncio.Event()

    async def drain(track: object) -> None:
        nonlocal frames
        while not stop.is_set():
            await track.recv()  # type: ignore[attr-defined]
            frames += 1

    drains: list[asyncio.Task[None]] = []
    try:
        async with asyncio.timeout(seconds + 60):
            for c in clients:
                await c.open()
            for c in clients:
                await c.via_group()
            for c in clients:
                await c.connected.wait()
            for c in clients:
                for _ in range(others):
                    drains.append(asyncio.create_task(drain(await c.tracks.get())))
            await asyncio.sleep(3)  # warm-up: encoders settle
            c0, w0, f0 = cpu_seconds(pid), time.perf_counter(), frames
            await asyncio.sleep(seconds)
            c1, w1, f1 = cpu_seconds(pid), time.perf_counter(), frames
            stop.set()
            streams = len(clients) * others
            return 100 * (c1 - c0) / (w1 - w0), (f1 - f0) / (w1 - w0) / streams
    finally:
        for d in drains:
            d.cancel()
        for c in clients:
            await c.close()


def group_figures(tmp: str, seconds: float, fps: int) -> None:
    ctx = mp.get_context("spawn")
    for size in ((320, 240), (640, 480)):
        for people in (3, 4, 6):
            q = ctx.Queue()
            folder = str(Path(tmp) / f"group{size[0]}-{people}")
            proc = ctx.Process(target=serve_group, args=(people - 1, folder, q), daemon=True)
            proc.start()
            try:
                url, tokens = q.get(timeout=60)
                assert proc.pid is not None
                cpu, per_stream = asyncio.run(group_cpu(url, tokens, proc.pid, size, fps, seconds))
            finally:
                proc.terminate()
                proc.join(10)
            print(
                f"group call {size[0]}×{size[1]} @{fps} fps, {people} participants "
                f"({people * (people - 1)} forwarded streams): server CPU {cpu:.0f}% of one "
                f"core, {cpu / people:.0f}% per participant; {per_stream:.1f} frames/s per "
                "received stream"
            )


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def join_once(url: str, mentor_token: str, learner_token: str) -> float:
    from calls.client import PatternTrack, RoomClient

    mentor = RoomClient(url, mentor_token, video=PatternTrack(320, 240))
    learner = RoomClient(url, learner_token, video=PatternTrack(320, 240))
    try:
        async with asyncio.timeout(20):
            await mentor.open()
            t0 = time.perf_counter()
            await learner.open()
            await learner.offer()
            await mentor.connected.wait()
            await learner.connected.wait()
            return time.perf_counter() - t0
    finally:
        await mentor.close()
        await learner.close()


async def relayed_cpu(
    url: str, tokens: tuple[str, str], pid: int, size: tuple[int, int], seconds: float
) -> tuple[float, int]:
    from calls.client import PatternTrack, RoomClient

    mentor = RoomClient(url, tokens[0], video=PatternTrack(*size))
    learner = RoomClient(url, tokens[1], video=PatternTrack(*size))
    frames = 0
    stop = asyncio.Event()

    async def drain(client: RoomClient) -> None:
        nonlocal frames
        track = await client.tracks.get()
        while not stop.is_set():
            await track.recv()
            frames += 1

    try:
        async with asyncio.timeout(seconds + 40):
            await mentor.open()
            await learner.open()
            await mentor.via_server()
            await learner.via_server()
            await mentor.connected.wait()
            await learner.connected.wait()
            drains = [asyncio.create_task(drain(c)) for c in (mentor, learner)]
            await asyncio.sleep(3)  # warm-up: encoders settle
            c0, w0, f0 = cpu_seconds(pid), time.perf_counter(), frames
            await asyncio.sleep(seconds)
            c1, w1, f1 = cpu_seconds(pid), time.perf_counter(), frames
            stop.set()
            for d in drains:
                d.cancel()
            return 100 * (c1 - c0) / (w1 - w0), int((f1 - f0) / (w1 - w0))
    finally:
        await mentor.close()
        await learner.close()


def start_server(mode: str, folder: str) -> tuple[mp.Process, str, str, str]:
    ctx = mp.get_context("spawn")
    q = ctx.Queue()
    proc = ctx.Process(target=serve, args=(mode, folder, q), daemon=True)
    proc.start()
    url, m, learner = q.get(timeout=60)
    return proc, url, m, learner


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--joins", type=int, default=10)
    ap.add_argument("--seconds", type=float, default=8.0)
    ap.add_argument("--groups", action="store_true", help="also the group-room figures")
    ap.add_argument("--groups-only", action="store_true", help="only the group-room figures")
    ap.add_argument("--group-fps", type=int, default=15)
    args = ap.parse_args()
    loopback_only()
    # aiortc leaves a connect task failing when a peer closes early; not a figure.
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)
    print(f"machine: {os.cpu_count()} CPUs visible; Python {sys.version.split()[0]}")
    with tempfile.TemporaryDirectory() as tmp:
        if args.groups_only:
            group_figures(tmp, args.seconds, args.group_fps)
            return
        proc, url, m, learner = start_server("p2p", str(Path(tmp) / "p2p"))
        try:
            times = [asyncio.run(join_once(url, m, learner)) for _ in range(args.joins)]
        finally:
            proc.terminate()
            proc.join(10)
        ms = sorted(t * 1000 for t in times)
        p95 = ms[min(len(ms) - 1, round(0.95 * (len(ms) - 1)))]
        print(
            f"join-to-connected (aiortc P2P, loopback, n={len(ms)}): "
            f"p50 {statistics.median(ms):.0f} ms, p95 {p95:.0f} ms"
        )
        for size in ((320, 240), (640, 480)):
            proc, url, m, learner = start_server("relay", str(Path(tmp) / f"relay{size[0]}"))
            try:
                assert proc.pid is not None
                cpu, fps = asyncio.run(relayed_cpu(url, (m, learner), proc.pid, size, args.seconds))
            finally:
                proc.terminate()
                proc.join(10)
            print(
                f"relayed call {size[0]}×{size[1]} @30 fps, 2 video streams: server CPU "
                f"{cpu:.0f}% of one core ({fps} frames/s delivered to the two clients)"
            )
        if args.groups:
            group_figures(tmp, args.seconds, args.group_fps)


if __name__ == "__main__":
    main()
