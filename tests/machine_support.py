"""What the Hypothesis state machines share: their own event loop, a private copy of the
migrated template database, and clean-up after each example."""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import Awaitable
from pathlib import Path
from typing import TypeVar

from hypothesis.stateful import RuleBasedStateMachine

from core.db.engine import Database

T = TypeVar("T")


class DbMachine(RuleBasedStateMachine):
    """Subclasses set `template` (a migrated SQLite file) before Hypothesis runs them."""

    template: Path

    def __init__(self) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.dir = tempfile.mkdtemp(prefix="machine-")
        shutil.copyfile(self.template, f"{self.dir}/m.db")
        self.db = Database.from_url(f"sqlite+aiosqlite:///{self.dir}/m.db")

    def run(self, aw: Awaitable[T]) -> T:
        return self.loop.run_until_complete(aw)

    def teardown(self) -> None:
        self.run(self.db.dispose())
        self.loop.close()
        shutil.rmtree(self.dir, ignore_errors=True)
