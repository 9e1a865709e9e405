"""A person's avatar on their platform, offered as their profile picture ("Use my Slack
photo", issue 18): fetched over HTTPS from the platform's own image hosts only (or the
configured API's host: a proxy, the tests' fakes), without credentials, without redirects,
and bounded in size. Core reads what comes back by content (Pillow), like any upload."""

from __future__ import annotations

from bots.fetch import fetch_bounded, host_allowed

AVATAR_MAX_BYTES = 5 * 1024 * 1024  # a 512 px avatar is far smaller; core checks again


def avatar_host_allowed(url: str, hosts: tuple[str, ...], api_base: str = "") -> bool:
    """https on one of `hosts` (or a subdomain of one), or the configured API's own host."""
    return host_allowed(url, hosts, api_base)


async def fetch_avatar(
    url: str, limit: int = AVATAR_MAX_BYTES, timeout_s: float = 15.0
) -> bytes | None:
    """The image's bytes; None when it is missing, too big or the host doesn't answer."""
    return await fetch_bounded(url, limit, timeout_s, what="avatar")
