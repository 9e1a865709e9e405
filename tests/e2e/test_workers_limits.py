"""Slack's and Discord's rate limits kept by several workers together (issue 21, part 5):
two processes, each the platform's real client library with MentorBot's limits in one Redis,
call the local fake of Slack or Discord, which keeps the limits as the real service does
(429 with Retry-After; Discord's X-RateLimit-* headers on every answer). Together they stay
inside the limits, and a 429 one of them gets pauses the other too."""

from __future__ import annotations

import asyncio
import os
import secrets
import sys
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest

from tests.adapters.discord.fake_discord import VIA, FakeDiscord
from tests.adapters.slack.fake_slack import FakeSlack
from tests.e2e.processes import REPO, process_env

REDIS_URL = os.environ.get("MENTORBOT_TEST_REDIS_URL", "")


class Client:
    """One tests/e2e/limits_client.py process."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc
        self.failures: list[str] = []

    async def line(self) -> str:
        assert self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), 60)
        assert raw, "the client process ended"
        return raw.decode().strip()

    def go(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(b"go\n")

    async def done(self) -> tuple[int, int]:
        while not (got := await self.line()).startswith("done "):
            self.failures.append(got)
        ok, failed = got.split()[1:]
        return int(ok), int(failed)


@asynccontextmanager
async def client(*args: str) -> AsyncIterator[Client]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.limits_client",
        *args,
        env=process_env({}),
        cwd=REPO,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    c = Client(proc)
    try:
        assert await c.line() == "ready"
        yield c
    finally:
        if proc.stdin is not None and not proc.stdin.is_closing():
            proc.stdin.close()
        try:
            await asyncio.wait_for(proc.wait(), 15)
        except TimeoutError:
            proc.kill()
            await proc.wait()


def need_redis() -> None:
    if not REDIS_URL:
        pytest.skip("limits shared across workers need Redis: set MENTORBOT_TEST_REDIS_URL")


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = FakeSlack()
    await fake.start()
    yield fake
    await fake.close()


@pytest.fixture
async def fake_discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


def prefix() -> str:
    return f"mentorbot:test:limits:{secrets.token_hex(4)}"


async def both(a: Client, b: Client) -> list[tuple[int, int]]:
    a.go()
    b.go()
    return list(await asyncio.gather(a.done(), b.done()))


async def until(check: Callable[[], bool], within_s: float = 30.0) -> float:
    """Waits (bounded) until check() holds; the moment it was seen."""
    deadline = time.monotonic() + within_s
    while not check():
        assert time.monotonic() < deadline, "not within the time allowed"
        await asyncio.sleep(0.01)
    return time.monotonic()


async def test_a_slack_method_limit_holds_for_two_workers_together(fake_slack: FakeSlack) -> None:
    need_redis()
    fake_slack.add_channel("C1")
    fake_slack.method_limits = {"conversations.info": (5, 3.0)}
    shared = prefix()
    async with (
        client("slack", fake_slack.url, REDIS_URL, shared, "6") as a,
        client("slack", fake_slack.url, REDIS_URL, shared, "6") as b,
    ):
        assert await both(a, b) == [(6, 0), (6, 0)]
    statuses = [c.status for c in fake_slack.calls if c.method == "conversations.info"]
    assert statuses == [200] * 12  # not one 429: the two kept one limit


async def test_each_worker_alone_keeps_only_its_own_share(fake_slack: FakeSlack) -> None:
    """The same calls without Redis (each process keeps the limit alone): the fake answers
    429s, slack_sdk retries after Retry-After, and every call still succeeds."""
    fake_slack.add_channel("C1")
    fake_slack.method_limits = {"conversations.info": (5, 3.0)}
    async with (
        client("slack", fake_slack.url, "", prefix(), "6") as a,
        client("slack", fake_slack.url, "", prefix(), "6") as b,
    ):
        assert await both(a, b) == [(6, 0), (6, 0)]
    statuses = [c.status for c in fake_slack.calls if c.method == "conversations.info"]
    assert statuses.count(429) >= 1 and statuses.count(200) == 12


async def test_a_slack_429_pauses_the_method_for_the_other_worker(fake_slack: FakeSlack) -> None:
    need_redis()
    fake_slack.rate_limit = {"users.info": 1}
    fake_slack.retry_after = 2
    shared = prefix()
    async with (
        client("slack", fake_slack.url, REDIS_URL, shared, "1", "users.info") as a,
        client("slack", fake_slack.url, REDIS_URL, shared, "1", "users.info") as b,
    ):
        a.go()
        await until(lambda: any(c.status == 429 for c in fake_slack.calls))
        limited_at = next(c.at for c in fake_slack.calls if c.status == 429)
        b.go()
        assert list(await asyncio.gather(a.done(), b.done())) == [(1, 0), (1, 0)]
    answered = [c.at for c in fake_slack.calls if c.method == "users.info" and c.status == 200]
    assert len(answered) == 2
    # b asked while users.info was paused for the workspace: it waited the Retry-After too.
    assert min(answered) >= limited_at + 1.9, (limited_at, answered)


async def test_a_discord_route_bucket_holds_for_two_workers_together(
    fake_discord: FakeDiscord,
) -> None:
    need_redis()
    fake_discord.route_limits = {"POST channels/{id}/messages": (5, 2.0)}
    shared = prefix()
    async with (
        client("discord", fake_discord.api_url, REDIS_URL, shared, "6") as a,
        client("discord", fake_discord.api_url, REDIS_URL, shared, "6") as b,
    ):
        assert await both(a, b) == [(6, 0), (6, 0)]
    assert fake_discord.limited == []  # learned from the headers, kept by both: no 429
    assert len(fake_discord.arrivals) == 12


async def test_a_discord_global_429_stops_every_worker_for_its_retry_after(
    fake_discord: FakeDiscord,
) -> None:
    need_redis()
    fake_discord.route_limits = {"POST channels/{id}/messages": (100, 10.0)}  # arrivals kept
    global_429 = {"message": "You are being rate limited.", "retry_after": 2.0, "global": True}
    headers = {
        "Retry-After": "2",
        "X-RateLimit-Global": "true",
        "X-RateLimit-Scope": "global",
        "Via": VIA,
    }
    fake_discord.failures.append(("channels/", 429, global_429, headers))
    shared = prefix()
    async with (
        client("discord", fake_discord.api_url, REDIS_URL, shared, "1") as a,
        client("discord", fake_discord.api_url, REDIS_URL, shared, "1") as b,
    ):
        a.go()
        await until(lambda: not fake_discord.failures)
        # When the fake answered the 429, not when this loop noticed (later on a busy machine).
        [limited_at] = fake_discord.failed_at
        b.go()
        assert list(await asyncio.gather(a.done(), b.done())) == [(1, 0), (1, 0)]
    sent_at = [at for _path, at in fake_discord.arrivals if at > limited_at]
    assert len(sent_at) == 2  # a's retry and b's message, both after the pause
    assert min(sent_at) >= limited_at + 1.8, (limited_at, sent_at)
