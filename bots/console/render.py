"""Replies as plain terminal text: buttons and choices become numbered options."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from core.markup import to_plain
from core.messaging import Button, LinkButton, Reply


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
