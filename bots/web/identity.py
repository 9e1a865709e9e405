"""Signed cookies and one-time login links for web chat accounts (signed in core.signing)."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time

from core.signing import Keys, dumps, legacy_valid, loads, sign, unsign

# Before core.signing, a cookie was `web_id.<18-byte HMAC>` and a login link
# `base64(web_id|expiry).<18-byte HMAC>`; those still in browsers and chats keep working.
_LEGACY_MAC = 18


def new_web_id() -> str:
    return secrets.token_urlsafe(12)


def sign_cookie(keys: Keys, web_id: str) -> str:
    return sign(keys, "cookie", web_id)


def read_cookie(keys: Keys, value: str | None) -> str | None:
    """The web id a cookie names, or None (no cookie, garbage, or not signed by us)."""
    web_id = unsign(keys, "cookie", value)
    if web_id:
        return web_id
    if not value or "." not in value:
        return None
    web_id, _, sig = value.rpartition(".")
    if not web_id or not legacy_valid(keys, "cookie:" + web_id, sig, _LEGACY_MAC):
        return None
    return web_id


def login_token(keys: Keys, web_id: str, ttl_s: int = 3600, now: float | None = None) -> str:
    expiry = int((now if now is not None else time.time()) + ttl_s)
    return dumps(keys, "login", [web_id, expiry])


def read_login_token(keys: Keys, token: str, now: float | None = None) -> str | None:
    at = now if now is not None else time.time()
    value = loads(keys, "login", token)
    if isinstance(value, list) and len(value) == 2:
        web_id, expiry = value
        ok = isinstance(web_id, str) and isinstance(expiry, int) and expiry >= at
        return web_id if ok and web_id else None
    return _legacy_login(keys, token, at)


def _legacy_login(keys: Keys, token: str, at: float) -> str | None:
    body, _, sig = token.rpartition(".")
    if not body or not legacy_valid(keys, "login:" + body, sig, _LEGACY_MAC):
        return None
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        web_id, _, expiry = raw.rpartition("|")
        if int(expiry) < at:
            return None
    except (ValueError, UnicodeDecodeError):
        return None
    return web_id or None


def guest_name(web_id: str) -> str:
    digest = hashlib.sha256(web_id.encode()).digest()
    return f"Guest {int.from_bytes(digest[:2], 'big') % 9000 + 1000}"
