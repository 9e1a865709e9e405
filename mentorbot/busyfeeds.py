"""Loading mentors' busy calendars (issue 19, part 5): outbound HTTP, validated — http(s)
only, no private, loopback or link-local address unless its host is in
`busy_feed_allow_hosts`, a time limit and a size limit, no redirects to elsewhere — with
conditional requests (ETag / If-Modified-Since). A feed that fails is reported to the mentor
(once per run of failures), never silently ignored."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import aiohttp

from core.icsbusy import FeedError, busy_spans
from core.messaging import Reply
from core.uow import Deps, unit_of_work

log = logging.getLogger(__name__)


class Refused(ValueError):
    pass


@dataclass(frozen=True)
class Loaded:
    body: bytes | None  # None: 304 Not Modified
    etag: str
    last_modified: str


async def check_address(url: str, allow_hosts: tuple[str, ...]) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise Refused("only http and https links can be loaded")
    host = parts.hostname
    if host in allow_hosts:
        return
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(
            host, parts.port or (443 if parts.scheme == "https" else 80), type=socket.SOCK_STREAM
        )
    except OSError:
        raise Refused(f"the host {host} can't be found") from None
    for info in infos:
        ip = ipaddress.ip_address(info[4][0])
        if not ip.is_global:
            raise Refused(f"{host} is a private address")


async def load(
    url: str,
    etag: str,
    last_modified: str,
    *,
    allow_hosts: tuple[str, ...],
    timeout_s: float,
    max_bytes: int,
) -> Loaded:
    await check_address(url, allow_hosts)
    headers = {"Accept": "text/calendar", "User-Agent": "MentorBot busy-calendar import"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.get(url, headers=headers, allow_redirects=False) as resp,
        ):
            if resp.status == 304:
                return Loaded(None, etag, last_modified)
            if resp.status != 200:
                raise Refused(f"the calendar server answered {resp.status}")
            if (resp.content_length or 0) > max_bytes:
                raise Refused(f"the calendar is larger than {max_bytes // 1000} kB")
            body = await resp.content.read(max_bytes + 1)
            if len(body) > max_bytes:
                raise Refused(f"the calendar is larger than {max_bytes // 1000} kB")
            return Loaded(body, resp.headers.get("ETag", ""), resp.headers.get("Last-Modified", ""))
    except TimeoutError:
        raise Refused(f"the calendar didn't load within {timeout_s:g} s") from None
    except aiohttp.ClientError as exc:
        raise Refused(f"the calendar couldn't be loaded ({type(exc).__name__})") from None


async def refresh_one(deps: Deps, user_id: int) -> str:
    """Load one mentor's feed and store it; returns "loaded", "not modified" or the error."""
    p = deps.policies
    async with unit_of_work(deps) as u:
        feed = await u.busy_feeds.get(user_id)
        if feed is None:
            return "no feed"
        url, etag, modified = feed.url, feed.etag, feed.last_modified
        from core.db.schema import User

        user = await u.session.get(User, user_id)
        tz = (user.timezone if user else None) or "UTC"
    now = deps.clock.now()
    try:
        got = await load(
            url,
            etag,
            modified,
            allow_hosts=p.busy_feed_allow_hosts,
            timeout_s=p.busy_feed_timeout_s,
            max_bytes=p.busy_feed_max_bytes,
        )
        spans = (
            None
            if got.body is None
            else busy_spans(got.body, now, now + timedelta(days=p.booking_horizon_days), tz)
        )
    except (Refused, FeedError) as exc:
        reason = str(exc)
        async with unit_of_work(deps) as u:
            if await u.busy_feeds.failed(user_id, reason):
                await u.notify(
                    user_id,
                    [
                        Reply(
                            f"⚠️ Your busy calendar didn't load: {reason}. Until it does, I "
                            "keep the busy times from its last good load. Check the link, "
                            "or paste a new one with /busy URL (/busy off removes it)."
                        )
                    ],
                )
        return reason
    async with unit_of_work(deps) as u:
        if spans is None:
            await u.busy_feeds.not_modified(user_id)
            return "not modified"
        await u.busy_feeds.loaded(user_id, spans, got.etag, got.last_modified)
    return "loaded"


async def refresh_due(deps: Deps) -> dict[int, str]:
    """Every feed due for a reload (the scheduler's job)."""
    every = timedelta(minutes=deps.policies.busy_feed_refresh_min)
    async with unit_of_work(deps) as u:
        due = [f.user_id for f in await u.busy_feeds.due(every)]
    out: dict[int, str] = {}
    for user_id in due[:500]:
        try:
            out[user_id] = await refresh_one(deps, user_id)
        except Exception:  # one broken feed never stops the others
            log.exception("busy feed %s", user_id)
            out[user_id] = "error"
    return out
