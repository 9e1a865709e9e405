"""A person's avatar on their platform, offered as their profile picture ("Use my Slack
photo", issue 18): fetched over HTTPS from the platform's own image hosts only (or the
configured API's host: a proxy, the tests' fakes), without credentials, without redirects,
and bounded in size. Core reads what comes back by content (Pillow), like any upload."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

import aiohttp

log = logging.getLogger(__name__)

AVATAR_MAX_BYTES = 5 * 1024 * 1024  # a 512 px avatar is far smaller; core checks again


def avatar_host_allowed(url: str, hosts: tuple[str, ...], api_base: str = "") -> bool:
    """https on one of `hosts` (or a subdomain of one), or the configured API's own host."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if host and api_base and host == (urlsplit(api_base).hostname or ""):
        return True
    return parts.scheme == "https" and any(host == h or host.endswith("." + h) for h in hosts)


async def fetch_avatar(
    url: str, limit: int = AVATAR_MAX_BYTES, timeout_s: float = 15.0
) -> bytes | None:
    """The image's bytes; None when it is missing, too big or the host doesn't answer."""
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with (
            aiohttp.ClientSession(timeout=timeout) as http,
            http.get(url, allow_redirects=False) as resp,
        ):
            if resp.status != 200 or (resp.content_length or 0) > limit:
                log.warning("avatar %s: HTTP %s", url, resp.status)
                return None
            data = bytearray()
            async for chunk in resp.content.iter_chunked(64 * 1024):
                data += chunk
                if len(data) > limit:
                    return None
            return bytes(data)
    except (aiohttp.ClientError, TimeoutError) as exc:
        log.warning("avatar %s could not be fetched: %s", url, exc)
        return None
