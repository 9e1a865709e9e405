"""Compact per-mentor storage for the index: the skills each row teaches in one growing arena
(not a Python dict per mentor), a week of half-hour availability slots as 42 bytes of bits
(not 336 booleans and a running count), and a 64-bit digest of the profile text."""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt

from matching.signals import SLOTS_PER_WEEK

WEEK_BYTES = SLOTS_PER_WEEK // 8
F32 = npt.NDArray[np.float32]


def text_digest(text: str) -> int:
    """The first 8 bytes of sha256(text): equal digests mean the text is unchanged."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")


def pack_week(slots: list[int]) -> npt.NDArray[np.uint8]:
    bits = np.zeros(SLOTS_PER_WEEK, dtype=bool)
    bits[slots] = True
    return np.packbits(bits)


def free_in(week_bits: npt.NDArray[np.uint8], wanted: list[int]) -> F32:
    """Per row of packed weeks: how many of the wanted slots are free."""
    out = np.zeros(week_bits.shape[0], dtype=np.float32)
    if not wanted or week_bits.shape[0] == 0:
        return out
    if week_bits.shape[0] * SLOTS_PER_WEEK <= 8_000_000:
        return np.asarray(np.unpackbits(week_bits, axis=1)[:, wanted].sum(axis=1), dtype=np.float32)
    for s in wanted:  # many rows: one bit column at a time, little memory
        out += (week_bits[:, s >> 3] >> (7 - (s & 7))) & 1
    return out


class SkillRows:
    """Which skills (and levels) each row teaches: rows point into two growing arrays; an
    update appends and re-points (the few stale entries go at the next rebuild)."""

    def __init__(self) -> None:
        self.start = np.zeros(0, dtype=np.int64)
        self.count = np.zeros(0, dtype=np.int16)
        self.skill = np.zeros(0, dtype=np.int32)
        self.level = np.zeros(0, dtype=np.int8)
        self.used = 0

    def grow_rows(self, cap: int) -> None:
        for name in ("start", "count"):
            a = getattr(self, name)
            out = np.zeros(cap, dtype=a.dtype)
            out[: a.shape[0]] = a
            setattr(self, name, out)

    def set(self, row: int, skills: dict[int, int]) -> None:
        k = len(skills)
        if self.used + k > self.skill.shape[0]:
            cap = max(self.used + k, 2 * self.skill.shape[0], 256)
            for name in ("skill", "level"):
                a = getattr(self, name)
                out = np.zeros(cap, dtype=a.dtype)
                out[: self.used] = a[: self.used]
                setattr(self, name, out)
        a = self.used
        self.skill[a : a + k] = list(skills.keys())
        self.level[a : a + k] = list(skills.values())
        self.start[row] = a
        self.count[row] = k
        self.used += k

    def get(self, row: int) -> dict[int, int]:
        a, k = int(self.start[row]), int(self.count[row])
        return dict(
            zip(self.skill[a : a + k].tolist(), self.level[a : a + k].tolist(), strict=True)
        )

    def pairs(
        self, rows: npt.NDArray[np.int64]
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int32], npt.NDArray[np.int8]]:
        """Every (position in `rows`, skill id, level) taught, without a Python loop."""
        start = self.start[rows]
        count = self.count[rows].astype(np.int64)
        at = np.repeat(np.arange(rows.size, dtype=np.int64), count)
        first = np.repeat(np.cumsum(count) - count, count)
        offs = np.arange(int(count.sum()), dtype=np.int64) - first + np.repeat(start, count)
        return at, self.skill[offs], self.level[offs]

    def nbytes(self) -> int:
        return int(self.start.nbytes + self.count.nbytes + self.skill.nbytes + self.level.nbytes)
