"""Debian's nginx in front of real workers, with the repository's own configuration
(deploy/nginx/mentorbot.conf): only the worker list and the listening port are changed."""

from __future__ import annotations

import asyncio
import re
import shutil
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from tests.e2e.processes import REPO, free_port

NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOY_CONF = REPO / "deploy" / "nginx" / "mentorbot.conf"


def need_nginx() -> None:
    if not Path(NGINX).exists():
        pytest.skip("nginx is not installed (apt-get install nginx; tasks.py test does)")


def site_conf(worker_ports: Sequence[int], listen: int) -> str:
    """deploy/nginx/mentorbot.conf with these workers and port."""
    text = DEPLOY_CONF.read_text()
    servers = "".join(
        f"    server 127.0.0.1:{p} max_fails=1 fail_timeout=10s;\n" for p in worker_ports
    )
    text, n = re.subn(
        r"    # workers: begin\n.*?    # workers: end\n",
        f"    # workers: begin\n{servers}    # workers: end\n",
        text,
        flags=re.S,
    )
    assert n >= 1, "deploy/nginx/mentorbot.conf lost its workers markers"
    text, n = re.subn(r"listen 8080;", f"listen 127.0.0.1:{listen};", text)
    assert n == 1
    return text


def main_conf(root: Path, site: Path) -> str:
    temp = "".join(
        f"    {kind}_temp_path {root / kind};\n"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"error_log {root / 'error.log'} warn;\npid {root / 'nginx.pid'};\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n    access_log off;\n{temp}    include {site};\n}}\n"
    )


def write_conf(worker_ports: Sequence[int], port: int, root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    site = root / "mentorbot.conf"
    site.write_text(site_conf(worker_ports, port))
    conf = root / "nginx.conf"
    conf.write_text(main_conf(root, site))
    return conf


def error_log(root: Path) -> str:
    path = root / "error.log"
    return path.read_text() if path.exists() else ""


@asynccontextmanager
async def nginx_in_front(
    worker_ports: Sequence[int], root: Path, port: int | None = None
) -> AsyncIterator[str]:
    """nginx (not a daemon) on `port` (a free 127.0.0.1 one by default); yields its base URL
    once it answers."""
    need_nginx()
    port = port or free_port()
    conf = write_conf(worker_ports, port, root)
    proc = await asyncio.create_subprocess_exec(
        NGINX, "-p", str(root), "-c", str(conf), "-g", "daemon off;",
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            for _ in range(100):
                if proc.returncode is not None:
                    err = await proc.stderr.read() if proc.stderr else b""
                    log = error_log(root)
                    raise AssertionError(f"nginx exited: {err.decode()}{log}")
                try:
                    async with http.get(base + "/healthz") as resp:
                        if resp.status in (200, 503):
                            break
                except aiohttp.ClientConnectionError:
                    pass
                await asyncio.sleep(0.1)
        yield base
    finally:
        if proc.returncode is None:
            proc.send_signal(signal.SIGQUIT)  # graceful
            try:
                await asyncio.wait_for(proc.wait(), 10)
            except TimeoutError:
                proc.kill()
                await proc.wait()
