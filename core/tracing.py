"""The id every log line carries (issue 17): an HTTP request's, a platform update's or a
scheduler job run's. It rides a contextvar, so every line written while that work runs — in
core, in an adapter — carries it, and tasks started meanwhile inherit it. mentorbot.logs
writes it into each line; the HTTP middleware sets it per request, the platform adapters per
update (from the platform's own event id, so a line can be matched to the event), the
scheduler per job run."""

from __future__ import annotations

import functools
import logging
import secrets
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

REQUEST_ID: ContextVar[str] = ContextVar("mentorbot_request_id", default="")
log = logging.getLogger("mentorbot.trace")


@contextmanager
def traced(rid: str, what: str = "", *, keep_outer: bool = True) -> Iterator[str]:
    """Work under `rid`, unless it already runs under an id and `keep_outer` (a webhook's
    update keeps the HTTP request's id, so the access log line and the update's lines
    match). Yields the id in force; `what` is logged at DEBUG as the first line under it."""
    outer = REQUEST_ID.get()
    if outer and keep_outer:
        if what:
            log.debug("%s", what)
        yield outer
        return
    token = REQUEST_ID.set(rid[:64])
    try:
        if what:
            log.debug("%s", what)
        yield rid[:64]
    finally:
        REQUEST_ID.reset(token)


def job_id(name: str) -> str:
    """A fresh id for one run of a scheduled job."""
    return f"job:{name}:{secrets.token_hex(4)}"


def traced_job(name: str, fn: Callable[..., Awaitable[None]]) -> Callable[..., Awaitable[None]]:
    """`fn` as a scheduler job whose every run has its own id (never one inherited from
    whatever context added the job)."""

    @functools.wraps(fn)
    async def run(*args: Any, **kwargs: Any) -> None:
        with traced(job_id(name), f"job {name} started", keep_outer=False):
            await fn(*args, **kwargs)

    return run
