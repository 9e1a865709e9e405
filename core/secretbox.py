"""Secrets at rest (issue 18, part 6): platform tokens kept in the database are encrypted with
Fernet (cryptography), under a key from settings.

`MENTORBOT_DATA_KEY` holds one or more Fernet keys, comma-separated, newest first (make one with
`python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`).
Without it the key is derived from the signing secret (MENTORBOT_SECRET_KEY) with HKDF, so a
deployment that never set a data key still encrypts. Rotation: put a new key first, keep the
old ones after it, and run `mentorbot rotate-data-key`, which re-encrypts every stored token
under the newest key (MultiFernet.rotate); then the old keys can be dropped.

A stored value is `enc:v1:` + a Fernet token. A value without that prefix is a plaintext row
from before encryption: it is read as it is, and encrypted by the next save or rotation.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

PREFIX = "enc:v1:"


class DataKeyError(Exception):
    pass


def derived_key(secret: bytes) -> bytes:
    """A Fernet key derived from the signing secret (when no MENTORBOT_DATA_KEY is set)."""
    raw = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"mentorbot.data-key.v1"
    ).derive(secret)
    return base64.urlsafe_b64encode(raw)


@dataclass(frozen=True)
class DataBox:
    keys: tuple[bytes, ...]  # newest first: it encrypts; every one decrypts

    @classmethod
    def from_settings(cls, data_keys: str, secret: bytes) -> DataBox:
        given = tuple(k.strip().encode() for k in data_keys.split(",") if k.strip())
        box = cls(given or (derived_key(secret),))
        try:
            box._fernet()
        except ValueError as exc:
            raise DataKeyError(
                "MENTORBOT_DATA_KEY must be Fernet keys (32 url-safe base64 bytes), comma-separated"
            ) from exc
        return box

    def _fernet(self) -> MultiFernet:
        return MultiFernet([Fernet(k) for k in self.keys])

    @staticmethod
    def sealed(value: str | None) -> bool:
        return value is not None and value.startswith(PREFIX)

    def seal(self, value: str | None) -> str | None:
        """Encrypt; None and already encrypted values are returned as they are."""
        if value is None or self.sealed(value):
            return value
        return PREFIX + self._fernet().encrypt(value.encode()).decode()

    def open(self, value: str | None) -> str | None:
        """Decrypt; a plaintext (legacy) value is returned as it is."""
        if value is None or not self.sealed(value):
            return value
        try:
            return self._fernet().decrypt(value[len(PREFIX) :].encode()).decode()
        except InvalidToken as exc:
            raise DataKeyError(
                "a stored secret can't be decrypted with MENTORBOT_DATA_KEY (a key was dropped "
                "before `mentorbot rotate-data-key` ran?)"
            ) from exc

    def rotate(self, value: str | None) -> str | None:
        """Re-encrypt under the newest key (a plaintext value is encrypted)."""
        if value is None:
            return None
        if not self.sealed(value):
            return self.seal(value)
        try:
            token = self._fernet().rotate(value[len(PREFIX) :].encode())
        except InvalidToken as exc:
            raise DataKeyError("a stored secret can't be decrypted with any data key") from exc
        return PREFIX + token.decode()
