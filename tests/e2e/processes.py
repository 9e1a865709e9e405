"""Real MentorBot processes for tests: `mentorbot serve` and one-off scripts, each with its
own interpreter, sharing only the database."""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import socket
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from sqlalchemy import text
from sqlalchemy.engine import make_url

from core.db.engine import create_engine

REPO = Path(__file__).resolve().parents[2]
MAIN = "from mentorbot.cli import main; main()"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def process_env(extra: Mapping[str, str]) -> dict[str, str]:
    """This interpreter's environment, this checkout first on the path, no stray settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MENTORBOT_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (str(REPO), os.environ.get("PYTHONPATH"))))
    env.update(extra)
    return env


@asynccontextmanager
async def serving(
    env: Mapping[str, str], log: Path, up_within_s: float = 90.0
) -> AsyncIterator[str]:
    """`mentorbot serve` in its own process; yields its base URL once /healthz answers."""
    port = free_port()
    full = process_env({**env, "MENTORBOT_HTTP_PORT": str(port)})
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-c", MAIN, "serve", env=full, cwd=REPO, stdout=out, stderr=out
        )
    try:
        await _wait_healthy(proc, base, up_within_s, log)
        yield base
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()


async def _wait_healthy(
    proc: asyncio.subprocess.Process, base: str, within_s: float, log: Path
) -> None:
    async with aiohttp.ClientSession() as http:
        for _ in range(int(within_s / 0.2)):
            if proc.returncode is not None:
                output = await asyncio.to_thread(log.read_text)
                raise AssertionError(f"server exited ({proc.returncode}):\n{output}")
            try:
                async with http.get(base + "/healthz") as resp:
                    if resp.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.2)
    output = await asyncio.to_thread(log.read_text)
    raise AssertionError(f"server not up within {within_s} s:\n{output}")


@asynccontextmanager
async def script(
    module: str, args: list[str], env: Mapping[str, str]
) -> AsyncIterator[asyncio.subprocess.Process]:
    """`python -m module args...` in its own process, stdout piped; killed if left running."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        env=process_env(env),
        cwd=REPO,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        yield proc
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()


@asynccontextmanager
async def postgres_database(url: str) -> AsyncIterator[str]:
    """A fresh, empty database on the test server (processes can't share a test schema's
    search_path); dropped afterwards."""
    name = "t_" + secrets.token_hex(6)
    admin = create_engine(url).execution_options(isolation_level="AUTOCOMMIT")
    async with admin.connect() as conn:
        await conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(url).set(database=name).render_as_string(hide_password=False)
    finally:
        async with admin.connect() as conn:
            await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.dispose()
