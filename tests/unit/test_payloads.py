from __future__ import annotations

from dataclasses import dataclass

import pytest

import core.dialogs  # noqa: F401  (registers every payload class)
from core.payloads import MAX_BYTES, Payload, PayloadError


@dataclass(frozen=True)
class Sample(Payload, prefix="smp"):
    what: str
    n: int
    flag: bool


def _all_payload_classes() -> list[type[Payload]]:
    out: list[type[Payload]] = []
    todo = list(Payload.__subclasses__())
    while todo:
        cls = todo.pop()
        out.append(cls)
        todo.extend(cls.__subclasses__())
    return out


def test_round_trip() -> None:
    p = Sample("slot", 1234, True)
    packed = p.pack()
    assert packed == "smp:slot:1234:1"
    assert Sample.unpack(packed) == p


@pytest.mark.parametrize(
    "raw",
    ["smp:slot:12", "smp:slot:x:1", "smp:slot:1:2", "other:slot:1:1", "smpx:slot:1:1", ""],
)
def test_bad_payloads_are_rejected(raw: str) -> None:
    assert Sample.parse(raw) is None
    with pytest.raises(PayloadError):
        Sample.unpack(raw)


def test_separator_in_value_is_refused() -> None:
    with pytest.raises(PayloadError):
        Sample("a:b", 1, False).pack()


def test_size_limit_is_telegrams_64_bytes() -> None:
    Sample("x" * (MAX_BYTES - len("smp::1:1")), 1, True).pack()
    with pytest.raises(PayloadError):
        Sample("x" * MAX_BYTES, 1, True).pack()
    # Multi-byte characters count in bytes, not characters.
    with pytest.raises(PayloadError):
        Sample("é" * 30, 1, True).pack()


def test_prefixes_are_unique_across_the_codebase() -> None:
    prefixes = [c.prefix for c in _all_payload_classes()]
    assert len(prefixes) == len(set(prefixes)), prefixes
    assert {"ob", "sk", "fm", "pv", "pe", "adm", "menu", "lk"} <= set(prefixes)


def test_int_fields_survive_large_ids() -> None:
    from core.services.buttons import ViewProfile

    # The largest id a database INTEGER column holds (ids are INTEGER on PostgreSQL); one past
    # it names no row anywhere, so it is refused like any other forged button (issue #14).
    packed = ViewProfile(2**31 - 1).pack()
    assert ViewProfile.unpack(packed).user_id == 2**31 - 1
    assert len(packed.encode()) <= MAX_BYTES
    assert ViewProfile.parse(ViewProfile(2**40).pack()) is None
