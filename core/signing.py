"""Every signed token the platform hands out (DESIGN §12), on itsdangerous.

One salt per purpose, so a token made for one job (a cookie) is never accepted for another
(a room link). Keys rotate: new tokens are signed with the current key and tokens signed with
an old key keep working until that key is dropped from the setting. Signatures are compared
as bytes, so any text an outsider sends (non-ASCII included) is simply "not valid".

Tokens issued before this module existed had hand-made formats; `legacy_valid` still accepts
them, because a guest's cookie is their identity and a calendar app keeps its URL for years.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from itsdangerous import BadSignature, Signer, URLSafeSerializer

Purpose = Literal["cookie", "login", "room", "calendar", "admin", "csrf", "mentorstats"]
MAX_TOKEN = 512  # no token we issue comes near this; longer input is refused unread


@dataclass(frozen=True)
class SigningKeys:
    """The current key first (signs new tokens), then retired keys still accepted."""

    current: bytes
    old: tuple[bytes, ...] = ()

    @classmethod
    def of(cls, keys: Keys) -> SigningKeys:
        return keys if isinstance(keys, SigningKeys) else cls(keys)

    @classmethod
    def from_list(cls, current: bytes, old: Sequence[bytes] = ()) -> SigningKeys:
        return cls(current, tuple(k for k in old if k and k != current))

    @property
    def all(self) -> tuple[bytes, ...]:
        return (self.current, *self.old)


Keys = SigningKeys | bytes


def _itsdangerous_keys(keys: Keys) -> list[bytes]:
    # itsdangerous signs with the last key of the list and accepts every one of them.
    return list(reversed(SigningKeys.of(keys).all))


def _signer(keys: Keys, purpose: Purpose) -> Signer:
    return Signer(
        _itsdangerous_keys(keys), salt=f"mentorbot.{purpose}", digest_method=hashlib.sha256
    )


def sign(keys: Keys, purpose: Purpose, value: str) -> str:
    """`value.signature`; value must not be empty and is kept readable in the token."""
    return _signer(keys, purpose).sign(value).decode()


def unsign(keys: Keys, purpose: Purpose, token: str | None) -> str | None:
    """The signed value, or None for anything we did not sign for this purpose."""
    if not token or len(token) > MAX_TOKEN:
        return None
    try:
        return _signer(keys, purpose).unsign(token.encode("utf-8", "replace")).decode()
    except (BadSignature, UnicodeDecodeError):
        return None


def dumps(keys: Keys, purpose: Purpose, obj: Any) -> str:
    """A URL-safe signed token carrying JSON (for values that are not plain URL text)."""
    s = URLSafeSerializer(
        _itsdangerous_keys(keys),
        salt=f"mentorbot.{purpose}",
        signer_kwargs={"digest_method": hashlib.sha256},
    )
    return str(s.dumps(obj))


def loads(keys: Keys, purpose: Purpose, token: str | None) -> Any:
    """The JSON value of a `dumps` token, or None when it is not ours."""
    if not token or len(token) > MAX_TOKEN:
        return None
    s = URLSafeSerializer(
        _itsdangerous_keys(keys),
        salt=f"mentorbot.{purpose}",
        signer_kwargs={"digest_method": hashlib.sha256},
    )
    try:
        return s.loads(token.encode("utf-8", "replace"))
    except (BadSignature, UnicodeDecodeError, ValueError):
        return None


def legacy_sig(key: bytes, message: str, size: int) -> str:
    """How tokens were signed before this module: HMAC-SHA256 cut to `size` bytes, base64url
    without padding. Kept only to recognise tokens already handed out."""
    mac = hmac.new(key, message.encode("utf-8", "replace"), hashlib.sha256).digest()[:size]
    return base64.urlsafe_b64encode(mac).decode().rstrip("=")


def legacy_valid(keys: Keys, message: str, sig: str, size: int) -> bool:
    given = sig.encode("utf-8", "replace")
    if len(given) > MAX_TOKEN:
        return False
    return any(
        hmac.compare_digest(legacy_sig(k, message, size).encode(), given)
        for k in SigningKeys.of(keys).all
    )


def csrf_token(keys: Keys, cookie: str) -> str:
    """The token a form carries: the CSRF cookie's value, signed (double submit, signed)."""
    return sign(keys, "csrf", cookie)


def csrf_valid(keys: Keys, cookie: str | None, token: str | None) -> bool:
    """A form's token matches the cookie it was issued with; a forged page can't make one."""
    if not cookie:
        return False
    value = unsign(keys, "csrf", token)
    return value is not None and hmac.compare_digest(value.encode(), cookie.encode())
