"""Typed, prefixed, size-checked button payloads (DESIGN §2).

Every payload is checked here against the strictest platform limit: Telegram's
64 bytes of callback data (Discord's 100-character custom_id is looser).
"""

from __future__ import annotations

import dataclasses
import re
import typing
from typing import Any, ClassVar, Self

from core.numbers import MAX_DB_INT

MAX_BYTES = 64
MAX_CHARS = 100
SEP = ":"
# Ids and counts fit the database's INTEGER; a button claiming more was not made by us.
_INT = re.compile(r"-?[0-9]{1,10}")


class PayloadError(ValueError):
    pass


def _fields(cls: type[Payload]) -> tuple[tuple[str, type], ...]:
    # Cached on the class itself (not in a module-level registry) since hints cost a lookup.
    cached: tuple[tuple[str, type], ...] | None = cls.__dict__.get("_payload_fields")
    if cached is not None:
        return cached
    hints = typing.get_type_hints(cls)
    out: list[tuple[str, type]] = []
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        tp = hints[f.name]
        if tp not in (int, str, bool):
            raise TypeError(f"{cls.__name__}.{f.name}: payload fields are int, str or bool")
        out.append((f.name, tp))
    fields = tuple(out)
    type.__setattr__(cls, "_payload_fields", fields)
    return fields


class Payload:
    """Base for button payloads: `@dataclass(frozen=True) class X(Payload, prefix="x")`."""

    prefix: ClassVar[str]

    def __init_subclass__(cls, prefix: str = "", **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not prefix or SEP in prefix:
            raise TypeError(f"{cls.__name__} needs a prefix without {SEP!r}")
        cls.prefix = prefix

    def pack(self) -> str:
        parts = [self.prefix]
        for name, tp in _fields(type(self)):
            value = getattr(self, name)
            if tp is bool:
                parts.append("1" if value else "0")
            elif tp is int:
                parts.append(str(int(value)))
            else:
                text = str(value)
                if SEP in text:
                    raise PayloadError(f"{name} may not contain {SEP!r}")
                parts.append(text)
        packed = SEP.join(parts)
        check_size(packed)
        return packed

    @classmethod
    def matches(cls, raw: str) -> bool:
        return raw == cls.prefix or raw.startswith(cls.prefix + SEP)

    @classmethod
    def unpack(cls, raw: str) -> Self:
        if not cls.matches(raw):
            raise PayloadError(f"not a {cls.__name__} payload")
        fields = _fields(cls)
        values = raw.split(SEP)[1:] if SEP in raw else []
        if len(values) != len(fields):
            raise PayloadError(f"{cls.__name__} takes {len(fields)} values, got {len(values)}")
        kwargs: dict[str, object] = {}
        for (name, tp), text in zip(fields, values, strict=True):
            if tp is int:
                number = _INT.fullmatch(text)
                if number is None or not -MAX_DB_INT - 1 <= int(text) <= MAX_DB_INT:
                    raise PayloadError(f"{name} is not a number the database can hold")
                kwargs[name] = int(text)
            elif tp is bool:
                if text not in ("0", "1"):
                    raise PayloadError(f"{name} is not a flag")
                kwargs[name] = text == "1"
            else:
                kwargs[name] = text
        return cls(**kwargs)

    @classmethod
    def parse(cls, raw: str) -> Self | None:
        try:
            return cls.unpack(raw)
        except PayloadError:
            return None


def check_size(packed: str) -> None:
    # surrogatepass: a lone surrogate from a hostile client is measured, not a crash.
    if len(packed.encode("utf-8", "surrogatepass")) > MAX_BYTES or len(packed) > MAX_CHARS:
        raise PayloadError(f"payload {packed[:20]!r}… is over {MAX_BYTES} bytes")
