"""Log lines as the JSON formatter writes them, for tests of request ids (issue 17)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from mentorbot.logs import JsonFormatter, RequestIdFilter


@contextmanager
def json_logs(*names: str) -> Iterator[list[dict[str, Any]]]:
    """The lines of loggers `names` (DEBUG and up) as the JSON formatter writes them, parsed
    back once the block ends."""
    lines: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(self.format(record))

    handler = Keep(level=logging.DEBUG)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.setLevel(logging.DEBUG)
    parsed: list[dict[str, Any]] = []
    try:
        yield parsed
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.removeHandler(handler)
            lg.setLevel(level)
        parsed.extend(json.loads(line) for line in lines)
