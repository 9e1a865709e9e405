"""Fetching a file a platform points at (an avatar, a shared file): only from the platform's
own hosts (or the configured API's host: a proxy, the tests' fakes), without redirects, and
bounded in size, so a URL from outside can't make the server fetch elsewhere or fill memory."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from urllib.parse import urlsplit

import aiohttp

log = logging.getLogger(__name__)

CHUNK = 64 * 1024


def host_allowed(url: str, hosts: tuple[str, ...], api_base: str = "") -> bool:
    """https on one of `hosts` (or a subdomain of one), or the configured API's own host."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host and api_base and host == (urlsplit(api_base).hostname or ""):
        return True
    return parts.scheme == "https" and any(host == h or host.endswith("." + h) for h in hosts)


async def fetch_bounded(
    url: str,
    limit: int,
    timeout_s: float,
    headers: Mapping[str, str] | None = None,
    what: str = "download",
) -> bytes | None:
    """The body's bytes; None when it is missing, bigger than `limit` or the host doesn't
    answer (logged as `what`)."""
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.get(url, headers=dict(headers or {}), allow_redirects=False) as resp,
        ):
            if resp.status != 200 or (resp.content_length or 0) > limit:
                log.warning("%s %s: HTTP %s", what, url, resp.status)
                return None
            data = bytearray()
            async for chunk in resp.content.iter_chunked(CHUNK):
                data += chunk
                if len(data) > limit:
                    return None
            return bytes(data)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("%s %s failed: %s", what, url, exc)
        return None
