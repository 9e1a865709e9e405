"""`mentorbot chat --as NAME`: the dialogs in a terminal (read a line, call core, print)."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TextIO

from bots.console.inbound import interpret
from bots.console.render import ConsoleRenderer
from core.app import CoreApp
from core.messaging import Actor, Reply, parse_text
from core.ports import Destination

WORKSPACE = "console"


class ConsoleChannel:
    """Delivers notifications to the person at this terminal; others wait in the outbox."""

    platform = "console"

    def __init__(self, name: str, renderer: ConsoleRenderer) -> None:
        self.name = name
        self.renderer = renderer

    async def deliver(self, to: Destination, replies: Sequence[Reply]) -> bool:
        if to.external_id != self.name:
            return False
        self.renderer.out.write("🔔 ")
        self.renderer.render(replies)
        return True


async def run_console(
    core: CoreApp,
    name: str,
    *,
    read_line: Callable[[], Awaitable[str | None]] | None = None,
    out: TextIO = sys.stdout,
    files_dir: Path = Path("./data/console"),
) -> None:
    renderer = ConsoleRenderer(out, files_dir)
    core.delivery.register(ConsoleChannel(name, renderer))
    actor = Actor("console", WORKSPACE, name, name)

    async def default_read() -> str | None:
        try:
            return await asyncio.to_thread(input, "> ")
        except EOFError:
            return None

    reader = read_line or default_read
    out.write(
        f"MentorBot console — you are '{name}'. Type /help, numbers pick options, Ctrl-D quits.\n\n"
    )
    renderer.render(await core.handle(actor, parse_text("/start")))
    await core.delivery.flush()
    while True:
        line = await reader()
        if line is None or line.strip() in ("/quit", "/exit"):
            out.write("Bye!\n")
            return
        if not line.strip():
            continue
        renderer.render(await core.handle(actor, interpret(line, renderer.options)))
