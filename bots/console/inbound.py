"""A typed line, read into the neutral model: a number picks one of the options last shown."""

from __future__ import annotations

from collections.abc import Sequence

from core.messaging import ActionIn, Inbound, parse_text
from core.numbers import as_int


def interpret(line: str, options: Sequence[tuple[str, str]]) -> Inbound:
    text = line.strip()
    # as_int, not isdigit() + int(): "²" and 5,000-digit lines would raise in int().
    pick = as_int(text, hi=len(options))
    if pick is not None and pick >= 1:
        return ActionIn(options[pick - 1][1])
    return parse_text(text)
