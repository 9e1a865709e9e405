"""Log lines as text or JSON (MENTORBOT_LOG_FORMAT=json), each carrying the id of the work
it was written for (issue 17): an HTTP request, a platform update (`tg:…`, `dc:…`, `sl:…`)
or a scheduler job run (`job:NAME:…`). The id rides a contextvar (core.tracing), so every
line written meanwhile — in core, in an adapter — carries it; tasks started meanwhile
inherit it. A request may bring its id in X-Request-Id (kept if short and plain)."""

from __future__ import annotations

import json
import logging
import os
import re
import secrets
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from aiohttp import web

from core.tracing import REQUEST_ID

__all__ = ["HEADER", "REQUEST_ID", "JsonFormatter", "RequestIdFilter", "configure", "request_ids"]
HEADER = "X-Request-Id"
_PLAIN_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class RequestIdFilter(logging.Filter):
    """Puts the current request id on every record (as `request_id`, "-" outside one)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = REQUEST_ID.get() or "-"
        return True


def _rid(record: logging.LogRecord) -> str | None:
    rid = getattr(record, "request_id", "") or REQUEST_ID.get()
    return None if rid in ("", "-") else str(rid)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": record.getMessage(),
            "request_id": _rid(record),
        }
        if record.exc_info:
            line["exc"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str, fmt: str | None = None) -> logging.Handler:
    """The root handler: JSON lines when `fmt` (default: MENTORBOT_LOG_FORMAT) is "json"."""
    fmt = (fmt if fmt is not None else os.environ.get("MENTORBOT_LOG_FORMAT", "")).casefold()
    handler = logging.StreamHandler()
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)
    return handler


@web.middleware
async def request_ids(request: web.Request, handler: Handler) -> web.StreamResponse:
    """A fresh id per request (or the caller's), set for the handler and echoed back.

    Not reset afterwards: aiohttp writes the access log line after the handler returns, in
    the same task, and that line should carry the id too; the connection's next request sets
    its own."""
    given = request.headers.get(HEADER, "")
    rid = given if _PLAIN_ID.fullmatch(given) else secrets.token_hex(8)
    REQUEST_ID.set(rid)
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[HEADER] = rid
        raise
    if not response.prepared:
        response.headers[HEADER] = rid
    return response
