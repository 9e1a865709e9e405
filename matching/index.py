"""The in-memory mentor index: one row per approved mentor, numpy arrays for every signal.

Built once from the database, then updated row by row when a profile is written (the TF-IDF
vocabulary is refitted by the retrain job; new rows use the current one meanwhile). The index
keeps no Python object per mentor: what a shown mentor's card needs is read from the database
for the few shown (`load_records`). Embeddings are a float32 matrix (exact search) until the
index reaches `ann_min_mentors`; from there they live only in a faiss IVF index with 8-bit
scalar-quantised vectors (384 bytes a mentor instead of 1,536, and one copy instead of two).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from core.availability import Window
from core.db.posts import MentorPost
from core.db.schema import AvailabilityWindow, MentorProfile, Skill, User, UserLanguage, UserSkill
from core.markup import to_plain
from matching.rowstore import WEEK_BYTES, SkillRows, free_in, pack_week, text_digest
from matching.signals import LEVEL_RANK, reputation, week_hours

if TYPE_CHECKING:
    import scipy.sparse as sp
    from sklearn.feature_extraction.text import TfidfVectorizer

F32 = npt.NDArray[np.float32]
# Imported only when TF-IDF is first fitted (Indexer's warm-up imports them in a thread):
# scikit-learn costs seconds of import, and a server answers lexically before that.
HEAVY_MODULES = ("sklearn.feature_extraction.text",)


@dataclass
class MentorRecord:
    user_id: int
    name: str
    headline: str
    bio: str = ""
    certifications: str = ""
    posts: str = ""  # titles and bodies of the mentor's posts
    timezone: str | None = None
    skills: dict[int, int] = field(default_factory=dict)  # skill id -> level rank 1..3
    skill_names: dict[int, str] = field(default_factory=dict)
    languages: tuple[str, ...] = ()
    price_minor: int = 0  # what a session costs in money (credits and free: 0)
    list_price_minor: int = 0
    price_mode: str = "paid"
    currency: str = "INR"
    rating_sum: int = 0
    rating_count: int = 0
    sessions: int = 0
    years: int = 0
    windows: tuple[Window, ...] = ()

    def text(self) -> str:
        levels = {1: "beginner", 2: "intermediate", 3: "advanced"}
        taught = ", ".join(
            f"{self.skill_names.get(s, '')} ({levels.get(lv, '')})" for s, lv in self.skills.items()
        )
        return ". ".join(
            p
            for p in (
                self.headline,
                f"Teaches {taught}" if taught else "",
                self.bio,
                self.certifications,
                self.posts,
            )
            if p
        )

    def text_hash(self) -> str:
        return hashlib.sha256(self.text().encode()).hexdigest()

    def text_digest(self) -> int:
        return text_digest(self.text())


async def load_records(
    session: AsyncSession, user_ids: Iterable[int] | None = None
) -> list[MentorRecord]:
    """Approved, unmerged mentors (all, or those among `user_ids`)."""
    ids = None if user_ids is None else sorted(set(user_ids))
    q = (
        select(User, MentorProfile)
        .join(MentorProfile, MentorProfile.user_id == User.id)
        .where(MentorProfile.status == "approved", User.merged_into_id.is_(None))
    )
    if ids is not None:
        q = q.where(User.id.in_(ids))
    recs: dict[int, MentorRecord] = {}
    for u, m in (await session.execute(q)).all():
        eff = m.price_minor if m.price_mode == "paid" else 0
        recs[u.id] = MentorRecord(
            user_id=u.id,
            name=u.display_name,
            headline=m.headline,
            bio=m.bio,
            certifications=m.certifications,
            timezone=u.timezone,
            price_minor=eff,
            list_price_minor=m.price_minor,
            price_mode=m.price_mode,
            currency=m.currency,
            rating_sum=m.rating_sum,
            rating_count=m.rating_count,
            sessions=m.sessions_completed,
            years=m.years_experience,
        )
    if not recs:
        return []
    keys = list(recs)

    def chunks() -> Iterable[list[int]]:
        for i in range(0, len(keys), 5000):
            yield keys[i : i + 5000]

    for part in chunks():
        rows = await session.execute(
            select(UserSkill.user_id, UserSkill.skill_id, UserSkill.level, Skill.name)
            .join(Skill, Skill.id == UserSkill.skill_id)
            .where(UserSkill.kind == "teach", UserSkill.user_id.in_(part))
        )
        for uid, sid, level, name in rows:
            recs[uid].skills[sid] = LEVEL_RANK.get(level, 1)
            recs[uid].skill_names[sid] = name
        langs: dict[int, list[str]] = {}
        for uid, code in await session.execute(
            select(UserLanguage.user_id, UserLanguage.code).where(UserLanguage.user_id.in_(part))
        ):
            langs.setdefault(uid, []).append(code)
        for uid, codes in langs.items():
            recs[uid].languages = tuple(sorted(codes))
        wins: dict[int, list[Window]] = {}
        for uid, wd, a, b in await session.execute(
            select(
                AvailabilityWindow.user_id,
                AvailabilityWindow.weekday,
                AvailabilityWindow.start_min,
                AvailabilityWindow.end_min,
            ).where(AvailabilityWindow.user_id.in_(part))
        ):
            wins.setdefault(uid, []).append(Window(wd, a, b))
        for uid, ws in wins.items():
            recs[uid].windows = tuple(sorted(ws))
        posts: dict[int, list[str]] = {}
        for uid, title, body in await session.execute(
            select(MentorPost.author_id, MentorPost.title, MentorPost.body)
            .where(MentorPost.author_id.in_(part), MentorPost.deleted_at.is_(None))
            .order_by(MentorPost.id)
        ):
            posts.setdefault(uid, []).append(f"{title}. {to_plain(body)}")
        for uid, texts in posts.items():
            recs[uid].posts = " ".join(texts)
    return [recs[k] for k in keys]


def new_vectorizer() -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer  # see HEAVY_MODULES

    return TfidfVectorizer(
        sublinear_tf=True, stop_words="english", token_pattern=r"(?u)\b[\w+#]+\b", dtype=np.float32
    )


class MentorIndex:
    """Rows of mentors; arrays grow by doubling; removed rows are masked, not moved."""

    def __init__(self, dim: int, at: datetime) -> None:
        self.dim = dim
        self.at = at  # the week used to turn local availability into UTC hours
        self.n = 0
        self.cap = 0
        self.pos: dict[int, int] = {}
        self.ids = np.zeros(0, dtype=np.int64)
        self.alive = np.zeros(0, dtype=bool)
        self.emb = np.zeros((0, dim), dtype=np.float32)
        self.has_emb = np.zeros(0, dtype=bool)
        self.price = np.zeros(0, dtype=np.float32)
        self.rating_sum = np.zeros(0, dtype=np.float32)
        self.rating_count = np.zeros(0, dtype=np.float32)
        self.sessions = np.zeros(0, dtype=np.float32)
        self.langmask = np.zeros(0, dtype=np.int64)
        self.week_bits = np.zeros((0, WEEK_BYTES), dtype=np.uint8)  # free half-hours, as bits
        self.free_week = np.zeros(0, dtype=np.int16)  # free half-hours a week
        self.impressions = np.zeros(0, dtype=np.float32)
        self.digest = np.zeros(0, dtype=np.uint64)  # of the profile text (text_digest)
        self.skill_rows = SkillRows()
        self.by_skill: dict[int, dict[int, int]] = {}  # skill id -> {row: level rank}
        self.lang_bits: dict[str, int] = {}
        self.vectorizer: TfidfVectorizer | None = None
        self.tfidf_postings: sp.csr_matrix | None = None  # term -> rows (the transpose)
        self.tfidf_delta: dict[int, sp.csr_matrix] = {}
        self._rep: F32 | None = None
        self.ann: Any = None  # faiss IVF-SQ8 over the embeddings, for very large indexes
        self.compressed = False  # embeddings only in `ann` (self.emb is empty)
        self.ann_nprobe = 96
        self.ann_candidates = 2000

    # ------------------------------------------------------------------ building

    def _grow(self, need: int) -> None:
        if need <= self.cap:
            return
        cap = max(need, 2 * self.cap, 64)

        def pad(a: npt.NDArray[np.generic]) -> npt.NDArray[np.generic]:
            out = np.zeros((cap, *a.shape[1:]), dtype=a.dtype)
            out[: a.shape[0]] = a
            return out

        for name in (
            "ids", "alive", "has_emb", "price", "rating_sum", "rating_count",
            "sessions", "langmask", "week_bits", "free_week", "impressions", "digest",
        ):  # fmt: skip
            setattr(self, name, pad(getattr(self, name)))
        if not self.compressed:
            self.emb = np.asarray(pad(self.emb), dtype=np.float32)
        self.skill_rows.grow_rows(cap)
        self.cap = cap

    def lang_mask(self, codes: Sequence[str], add: bool = False) -> int:
        mask = 0
        for c in codes:
            bit = self.lang_bits.get(c)
            if bit is None and add and len(self.lang_bits) < 63:
                bit = self.lang_bits[c] = len(self.lang_bits)
            if bit is not None:
                mask |= 1 << bit
        return mask

    def upsert(self, rec: MentorRecord, emb: F32 | None) -> int:
        row = self.pos.get(rec.user_id)
        if row is None:
            row = self.n
            self._grow(row + 1)
            self.n += 1
            self.pos[rec.user_id] = row
        else:
            for sid in self.skill_rows.get(row):
                self.by_skill.get(sid, {}).pop(row, None)
        self.skill_rows.set(row, rec.skills)
        self.digest[row] = rec.text_digest()
        self.ids[row] = rec.user_id
        self.alive[row] = True
        if emb is not None:
            self.set_embedding(row, emb)
        self.price[row] = rec.price_minor
        self.rating_sum[row] = rec.rating_sum
        self.rating_count[row] = rec.rating_count
        self.sessions[row] = rec.sessions
        self.langmask[row] = self.lang_mask(rec.languages, add=True)
        slots = week_hours(rec.windows, rec.timezone, self.at)
        self.week_bits[row] = pack_week(slots)
        self.free_week[row] = len(slots)
        for sid, lv in rec.skills.items():
            self.by_skill.setdefault(sid, {})[row] = lv
        if self.vectorizer is not None:
            self.tfidf_delta[row] = self.vectorizer.transform([rec.text()])
        self._rep = None
        return row

    def set_embedding(self, row: int, emb: F32) -> None:
        if not self.compressed:
            self.emb[row] = emb
        self.has_emb[row] = True
        if self.ann is not None:
            ids = np.asarray([row], dtype=np.int64)
            self.ann.remove_ids(ids)
            self.ann.add_with_ids(emb.reshape(1, -1).astype(np.float32), ids)

    def remove(self, user_id: int) -> None:
        row = self.pos.get(user_id)
        if row is not None:
            self.alive[row] = False
            if self.ann is not None:
                self.ann.remove_ids(np.asarray([row], dtype=np.int64))
                if self.compressed:
                    self.has_emb[row] = False  # its vector left with it
            for sid in self.skill_rows.get(row):
                self.by_skill.get(sid, {}).pop(row, None)

    def refit_tfidf(self, texts: Sequence[str]) -> None:
        """Refit the vocabulary on every row's profile text (`texts[row]`, read by the caller:
        the index keeps no text). Only the term → rows postings are kept."""
        vec = new_vectorizer()
        if any(t.strip() for t in texts):
            self.tfidf_postings = vec.fit_transform(texts).T.tocsr()
            self.vectorizer = vec
        else:
            self.tfidf_postings, self.vectorizer = None, None
        self.tfidf_delta = {}

    # ------------------------------------------------------------------ signals

    def rows(self) -> slice:
        return slice(0, self.n)

    def reputation(self) -> F32:
        if self._rep is None or self._rep.shape[0] != self.n:
            self._rep = reputation(
                self.rating_sum[: self.n], self.rating_count[: self.n], self.sessions[: self.n]
            )
        return self._rep

    def skill_levels(self, skill_ids: Sequence[int]) -> tuple[F32, F32]:
        """(share of the requested skills taught, best level rank among them) per row."""
        share = np.zeros(self.n, dtype=np.float32)
        best = np.zeros(self.n, dtype=np.float32)
        if not skill_ids:
            return share, best
        for sid in skill_ids:
            taught = self.by_skill.get(sid)
            if not taught:
                continue
            rows = np.fromiter(taught.keys(), dtype=np.int64, count=len(taught))
            lv = np.fromiter(taught.values(), dtype=np.float32, count=len(taught))
            share[rows] += 1.0
            best[rows] = np.maximum(best[rows], lv)
        return np.asarray(share / len(skill_ids), np.float32), best

    def tfidf(self, text: str) -> F32:
        out = np.zeros(self.n, dtype=np.float32)
        if self.vectorizer is None or not text.strip():
            return out
        q = self.vectorizer.transform([text])
        if q.nnz == 0:
            return out
        if self.tfidf_postings is not None:
            # Only the posting lists of the query's terms are read.
            base = self.tfidf_postings[q.indices].T @ q.data
            out[: base.shape[0]] = base
        qt = q.T.tocsc()
        for row, vec in self.tfidf_delta.items():
            out[row] = float((vec @ qt).sum())
        return out

    def free_slots(self, wanted: Sequence[int], rows: npt.NDArray[np.int64]) -> F32:
        """Per row: how many of the wanted slots are free."""
        return free_in(self.week_bits[rows], list(wanted))

    def free_per_week(self, rows: npt.NDArray[np.int64]) -> F32:
        return np.asarray(self.free_week[rows], dtype=np.float32)

    def build_ann(self, min_rows: int = 200_000) -> bool:
        """An approximate index once exact search gets slow: faiss IVF with 8-bit scalar
        quantised vectors (inner product); the float32 matrix is then dropped, the vectors
        live in the index only. False when the index is small or faiss-cpu is missing."""
        if self.n < min_rows:
            self.ann = None
            return False
        try:
            import faiss
        except ImportError:
            return False
        rows = np.nonzero(self.alive[: self.n] & self.has_emb[: self.n])[0].astype(np.int64)
        nlist = int(min(4096, max(64, 2 * np.sqrt(rows.size))))
        ivf = faiss.IndexIVFScalarQuantizer(
            faiss.IndexFlatIP(self.dim),
            self.dim,
            nlist,
            faiss.ScalarQuantizer.QT_8bit_uniform,  # one range: new vectors stay in it
            faiss.METRIC_INNER_PRODUCT,
        )
        sample = np.random.default_rng(0).choice(
            rows, min(rows.size, 80 * nlist // 2), replace=False
        )
        ivf.train(np.ascontiguousarray(self.emb[np.sort(sample)]))
        ivf.set_direct_map_type(faiss.DirectMap.Hashtable)  # type: ignore[attr-defined]  # by id
        for i in range(0, rows.size, 100_000):
            part = rows[i : i + 100_000]
            ivf.add_with_ids(np.ascontiguousarray(self.emb[part]), part)
        ivf.nprobe = self.ann_nprobe
        self.ann = ivf
        self.compressed = True
        self.emb = np.zeros((0, self.dim), dtype=np.float32)
        return True

    def semantic(self, qvec: F32 | None) -> F32:
        if qvec is None:
            return np.zeros(self.n, dtype=np.float32)
        if self.compressed:
            out = np.zeros(self.n, dtype=np.float32)
            sims, rows = self.ann.search(
                qvec.reshape(1, -1).astype(np.float32), self.ann_candidates
            )
            ok = rows[0] >= 0
            out[rows[0][ok]] = np.clip((sims[0][ok] - 0.1) / 0.6, 0.0, 1.0)
            return out
        sims = self.emb[: self.n] @ qvec
        # MiniLM cosine for related text sits around 0.2-0.7: stretch that to 0..1.
        return np.asarray(np.clip((sims - 0.1) / 0.6, 0.0, 1.0), np.float32)

    def vectors(self, rows: npt.NDArray[np.int64]) -> F32:
        """The stored embeddings of `rows` (zeros for a row without one; decoded from 8 bits
        in a compressed index)."""
        rows = np.asarray(rows, dtype=np.int64)
        out = np.zeros((rows.size, self.dim), dtype=np.float32)
        have = self.has_emb[rows] & self.alive[rows]
        if not have.any():
            return out
        if self.compressed:
            out[have] = self.ann.reconstruct_batch(np.ascontiguousarray(rows[have]))
        else:
            out[have] = self.emb[rows[have]]
        return out

    def row_skills(self, row: int) -> dict[int, int]:
        """Skill id -> level rank taught by the mentor at `row`."""
        return self.skill_rows.get(row)

    def memory(self) -> dict[str, int]:
        """Bytes held per part (numpy arrays, the faiss codes, the TF-IDF postings)."""
        arrays = sum(
            getattr(self, n).nbytes
            for n in (
                "ids", "alive", "emb", "has_emb", "price", "rating_sum", "rating_count",
                "sessions", "langmask", "week_bits", "free_week", "impressions", "digest",
            )
        )  # fmt: skip
        post = self.tfidf_postings
        return {
            "arrays": int(arrays) + self.skill_rows.nbytes(),
            "vectors (faiss)": int(self.ann.ntotal * (self.dim + 8)) if self.ann is not None else 0,
            "tfidf": int(post.data.nbytes + post.indices.nbytes + post.indptr.nbytes)
            if post is not None
            else 0,
        }

    def missing_embeddings(self) -> list[int]:
        rows = np.nonzero(self.alive[: self.n] & ~self.has_emb[: self.n])[0]
        return [int(self.ids[r]) for r in rows]
