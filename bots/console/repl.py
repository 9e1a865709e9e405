"""`mentorbot chat --as NAME`: the dialogs in a terminal, buttons as numbered choices."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import TextIO

from core.app import CoreApp
from core.markup import to_plain
from core.messaging import ActionIn, Actor, Button, Inbound, LinkButton, Reply, parse_text
from core.ports import Destination

WORKSPACE = "console"


class ConsoleRenderer:
    """Writes replies as plain text; remembers the numbered options of the last message."""

    def __init__(self, out: TextIO, files_dir: Path) -> None:
        self.out = out
        self.files_dir = files_dir
        self.options: list[tuple[str, str]] = []

    def render(self, replies: Sequence[Reply]) -> None:
        self.options = []
        for reply in replies:
            self.out.write(to_plain(reply.text) + "\n")
            for row in reply.buttons:
                for b in row:
                    if isinstance(b, Button):
                        self.options.append((b.label, b.payload))
                        self.out.write(f"  [{len(self.options)}] {b.label}\n")
                    elif isinstance(b, LinkButton):
                        self.out.write(f"  {b.label}: {b.url}\n")
            if reply.choices is not None:
                self.out.write(f"  {reply.choices.placeholder}:\n")
                for c in reply.choices.options:
                    self.options.append((c.label, c.payload))
                    self.out.write(f"  [{len(self.options)}] {c.label}\n")
            if reply.image is not None:
                path = self._save(f"image-{id(reply)}.png", reply.image.png)
                self.out.write(f"  (image: {reply.image.alt} — {path})\n")
            if reply.attachment is not None:
                path = self._save(reply.attachment.filename, reply.attachment.data)
                self.out.write(f"  (file saved: {path})\n")
            self.out.write("\n")
        self.out.flush()

    def _save(self, name: str, data: bytes) -> Path:
        self.files_dir.mkdir(parents=True, exist_ok=True)
        path = self.files_dir / Path(name).name
        path.write_bytes(data)
        return path

    def interpret(self, line: str) -> Inbound:
        text = line.strip()
        if text.isdigit() and 1 <= int(text) <= len(self.options):
            return ActionIn(self.options[int(text) - 1][1])
        return parse_text(text)


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
        renderer.render(await core.handle(actor, renderer.interpret(line)))
