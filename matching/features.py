"""A mentor's content as numbers, for the CF model's content map (matching/coldstart.py): the
profile's text embedding (headline, skills with levels, bio) and the taught skills one-hot,
weighted by level. The skill columns are fixed when the CF model is fitted."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from matching.index import MentorIndex

F32 = npt.NDArray[np.float32]
MAX_SKILLS = 1000  # skill columns: the most taught skills


@dataclass(frozen=True)
class MentorFeatures:
    skill_col: dict[int, int]
    dim_emb: int

    @classmethod
    def of(cls, idx: MentorIndex, max_skills: int = MAX_SKILLS) -> MentorFeatures:
        taught = Counter({sid: len(rows) for sid, rows in idx.by_skill.items() if rows})
        keep = sorted(sid for sid, _ in taught.most_common(max_skills))
        return cls({sid: i for i, sid in enumerate(keep)}, idx.dim)

    @property
    def dim(self) -> int:
        return self.dim_emb + len(self.skill_col)

    def rows(self, idx: MentorIndex, rows: npt.NDArray[np.int64]) -> F32:
        """Features of index rows (a row without an embedding has zeros there)."""
        out = np.zeros((rows.size, self.dim), dtype=np.float32)
        if rows.size == 0:
            return out
        out[:, : self.dim_emb] = idx.vectors(rows)
        at, skill, level = idx.skill_rows.pairs(rows)
        if at.size == 0:
            return out
        lv = level.astype(np.float32) / 3.0
        norm = np.sqrt(np.bincount(at, weights=lv * lv, minlength=rows.size)).astype(np.float32)
        cols = np.fromiter(
            (self.skill_col.get(int(s), -1) for s in skill), dtype=np.int64, count=skill.size
        )
        keep = cols >= 0
        out[at[keep], self.dim_emb + cols[keep]] = lv[keep] / norm[at[keep]]
        return out

    def mentors(self, idx: MentorIndex, mentor_ids: npt.NDArray[np.int64]) -> F32:
        """Features by mentor id; zeros for one not in the index."""
        out = np.zeros((mentor_ids.size, self.dim), dtype=np.float32)
        where = [(i, idx.pos.get(int(m))) for i, m in enumerate(mentor_ids.tolist())]
        known = [(i, r) for i, r in where if r is not None]
        if known:
            at = np.asarray([i for i, _ in known], dtype=np.int64)
            rows = np.asarray([r for _, r in known], dtype=np.int64)
            out[at] = self.rows(idx, rows)
        return out
