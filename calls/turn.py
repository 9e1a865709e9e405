"""ICE servers for a join: STUN as configured, TURN with coturn's REST credentials.

coturn (`use-auth-secret`) accepts username `expiry:user` with password
base64(HMAC-SHA1(secret, username)) until the Unix time `expiry`.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from typing import Any


def turn_password(secret: str, username: str) -> str:
    mac = hmac.new(secret.encode(), username.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode()


def turn_credentials(secret: str, user: str, now_s: int, ttl_s: int) -> tuple[str, str]:
    username = f"{now_s + ttl_s}:{user}"
    return username, turn_password(secret, username)


def turn_username_valid(secret: str, username: str, password: str, now_s: int) -> bool:
    """What coturn checks: the password matches and the expiry hasn't passed."""
    expiry, sep, _user = username.partition(":")
    if not sep or not expiry.isdigit() or int(expiry) <= now_s:
        return False
    return hmac.compare_digest(turn_password(secret, username), password)


def ice_servers(
    stun_urls: tuple[str, ...],
    turn_urls: tuple[str, ...],
    turn_secret: str,
    user: str,
    now_s: int,
    ttl_s: int,
) -> list[dict[str, Any]]:
    """RTCIceServer dictionaries for the browser (and aiortc's RTCIceServer)."""
    servers: list[dict[str, Any]] = []
    if stun_urls:
        servers.append({"urls": list(stun_urls)})
    if turn_urls and turn_secret:
        username, credential = turn_credentials(turn_secret, user, now_s, ttl_s)
        servers.append({"urls": list(turn_urls), "username": username, "credential": credential})
    return servers
