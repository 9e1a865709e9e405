"""A request aiohttp can't parse or decode is the client's mistake, not the server's."""

from __future__ import annotations

import logging

from aiohttp.http_exceptions import HttpProcessingError
from aiohttp.web import RequestPayloadError

SERVER_LOGGER = "aiohttp.server"


class ClientErrors(logging.Filter):
    """aiohttp answers a request it can't read (say a body sent as `Content-Encoding: gzip`
    that isn't gzip) with a 400 itself, but logs it as an ERROR with a traceback, as if the
    server had failed. Such records become one INFO line naming the client's error."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        client = isinstance(exc, RequestPayloadError) or (
            isinstance(exc, HttpProcessingError) and 400 <= exc.code < 500
        )
        if client and record.levelno >= logging.ERROR:
            record.msg = f"{record.getMessage()}: {type(exc).__name__}: {exc}".replace("\n", " ")
            record.args = ()
            record.levelno, record.levelname = logging.INFO, "INFO"
            record.exc_info, record.exc_text = None, None
        return True


def quiet_client_errors() -> None:
    """Install the filter on aiohttp's server logger (once, however many apps are built)."""
    logger = logging.getLogger(SERVER_LOGGER)
    if not any(isinstance(f, ClientErrors) for f in logger.filters):
        logger.addFilter(ClientErrors())
