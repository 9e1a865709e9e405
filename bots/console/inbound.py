"""A typed line, read into the neutral model: a number picks one of the options last shown."""

from __future__ import annotations

from collections.abc import Sequence

from core.messaging import ActionIn, Inbound, parse_text


def interpret(line: str, options: Sequence[tuple[str, str]]) -> Inbound:
    text = line.strip()
    if text.isdigit() and 1 <= int(text) <= len(options):
        return ActionIn(options[int(text) - 1][1])
    return parse_text(text)
