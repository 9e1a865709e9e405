"""`mentorbot chat`: the console adapter against a real core on a SQLite file."""

from __future__ import annotations

import io
from collections.abc import Awaitable, Callable
from pathlib import Path

from bots.console.bot import run_console
from bots.console.inbound import interpret
from core.app import CoreApp
from core.messaging import ActionIn, CommandIn, TextIn


def lines(*typed: str) -> Callable[[], Awaitable[str | None]]:
    queue = list(typed)

    async def read() -> str | None:
        return queue.pop(0) if queue else None

    return read


async def test_a_number_picks_a_button_and_ctrl_d_quits(core: CoreApp, tmp_path: Path) -> None:
    out = io.StringIO()
    # /start greets with the role buttons; "1" picks the first (Learn), then the name question.
    await run_console(core, "ravi", read_line=lines("1"), out=out, files_dir=tmp_path)
    text = out.getvalue()
    assert "What would you like to do?" in text and "[1] 📚 Learn" in text
    assert "What should people call you?" in text
    assert text.rstrip().endswith("Bye!")


async def test_typed_lines_and_quit(core: CoreApp, tmp_path: Path) -> None:
    out = io.StringIO()
    await run_console(
        core, "ravi", read_line=lines("   ", "/help", "/quit"), out=out, files_dir=tmp_path
    )
    assert "/find" in out.getvalue() and "Bye!" in out.getvalue()


def test_interpret_numbers_only_within_the_options() -> None:
    options = [("Learn", "ob:role:learn"), ("Mentor", "ob:role:mentor")]
    assert interpret("2", options) == ActionIn("ob:role:mentor")
    assert interpret("3", options) == TextIn("3")
    assert interpret("0", options) == TextIn("0")
    assert interpret("/find react", options) == CommandIn("find", "react")
