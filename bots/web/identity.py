"""Signed cookies and one-time login links for web chat accounts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time


def _sig(secret: bytes, message: str) -> str:
    mac = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac[:18]).decode().rstrip("=")


def new_web_id() -> str:
    return secrets.token_urlsafe(12)


def sign_cookie(secret: bytes, web_id: str) -> str:
    return f"{web_id}.{_sig(secret, 'cookie:' + web_id)}"


def read_cookie(secret: bytes, value: str | None) -> str | None:
    if not value or "." not in value:
        return None
    web_id, _, sig = value.rpartition(".")
    if not web_id or not hmac.compare_digest(sig, _sig(secret, "cookie:" + web_id)):
        return None
    return web_id


def login_token(secret: bytes, web_id: str, ttl_s: int = 3600, now: float | None = None) -> str:
    expiry = int((now if now is not None else time.time()) + ttl_s)
    body = base64.urlsafe_b64encode(f"{web_id}|{expiry}".encode()).decode().rstrip("=")
    return f"{body}.{_sig(secret, 'login:' + body)}"


def read_login_token(secret: bytes, token: str, now: float | None = None) -> str | None:
    body, _, sig = token.rpartition(".")
    if not body or not hmac.compare_digest(sig, _sig(secret, "login:" + body)):
        return None
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)).decode()
        web_id, _, expiry = raw.rpartition("|")
        if int(expiry) < (now if now is not None else time.time()):
            return None
    except (ValueError, UnicodeDecodeError):
        return None
    return web_id or None


def guest_name(web_id: str) -> str:
    digest = hashlib.sha256(web_id.encode()).digest()
    return f"Guest {int.from_bytes(digest[:2], 'big') % 9000 + 1000}"
