"""Hypothesis over the console: any typed line is read into the model or answered, and a
session of arbitrary lines never ends in a traceback."""

from __future__ import annotations

import io
import itertools
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bots.console.bot import run_console
from bots.console.inbound import interpret
from core.app import CoreApp
from core.commands import COMMANDS
from core.messaging import ActionIn, parse_text
from core.runner import SORRY
from tests.fuzz_support import NASTY, fuzz, problems

OPTIONS = st.lists(st.tuples(st.text(max_size=5), st.text(max_size=10)), max_size=5)
LINES = st.one_of(
    NASTY,
    st.integers(min_value=-3, max_value=12).map(str),
    st.sampled_from(["²", "٣", "1 ", " 2", "01", "9" * 5000]),
    st.builds(lambda c, a: f"/{c.name} {a}", st.sampled_from(COMMANDS), NASTY),
)
NAMES = itertools.count()


@fuzz(300)
@example(line="²", options=[("Learn", "ob:role:learn")])
@example(line="9" * 5000, options=[("Learn", "ob:role:learn")])
@given(line=LINES, options=OPTIONS)
def test_a_line_picks_an_option_or_is_text(line: str, options: list[tuple[str, str]]) -> None:
    got = interpret(line, options)
    if isinstance(got, ActionIn):
        assert got.payload in [p for _label, p in options]
        assert line.strip().isascii() and line.strip().isdigit()
    else:
        assert got == parse_text(line.strip())


@fuzz(30)
@example(lines=["²", "9" * 5000, "1", "\x00\ud800", "/book 99999999999999999999"])
@given(lines=st.lists(LINES.filter(lambda t: t.strip() not in ("/quit", "/exit")), max_size=6))
async def test_a_session_of_any_lines_answers_each_and_ends_cleanly(
    core: CoreApp, tmp_path: Path, caplog: pytest.LogCaptureFixture, lines: list[str]
) -> None:
    out = io.StringIO()
    queue = list(lines)
    marks: list[int] = []

    async def read() -> str | None:
        marks.append(len(out.getvalue()))
        return queue.pop(0) if queue else None

    await run_console(core, f"typist{next(NAMES)}", read_line=read, out=out, files_dir=tmp_path)
    text = out.getvalue()
    assert text.rstrip().endswith("Bye!")
    for i, line in enumerate(lines):
        if line.strip():
            assert marks[i + 1] > marks[i], f"no answer to {line!r}"
    assert SORRY not in text
    assert problems(caplog) == []
