"""Keeps the mentor index current: builds it from the database, embeds profiles, re-indexes
written ones (this process's, and other processes' through the change log), and refits
the CF model and learned blend on retrain."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.matching import MatchEvent, MatchSetting, MentorEmbedding
from core.ports import Clock, SystemClock
from core.skills import SkillIndex, load_taxonomy
from matching.blend import Blend, learn_blend
from matching.cf import CFModel, all_interactions
from matching.embed import Embedder
from matching.experiments import Experiment
from matching.features import MentorFeatures
from matching.follow import ChangeFollower
from matching.index import HEAVY_MODULES, MentorIndex, MentorRecord, load_records

log = logging.getLogger(__name__)
F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class MatchConfig:
    experiment: Experiment = field(default_factory=Experiment)
    exposure_half_life_h: float = 24.0
    impressions_per_free_hour: float = 3.0  # capacity: shown this often per weekly free hour
    refresh_delay_s: float = 0.05  # gather profile writes this long before re-indexing
    follow_interval_s: float = 0.5  # how often the change log is read (other processes' writes)
    infer_min_similarity: float = 0.2  # a vague request maps to a skill at least this close
    infer_vote: float = 0.3  # weight of the nearest mentors' skills in that choice
    infer_mentors: int = 20  # how many nearest mentors vote
    candidates: int = 2000  # nearest mentors by meaning (and by words) scored in full
    ann_min_mentors: int = 200_000  # from here on, semantic candidates come from faiss IVF
    content_cf_max_rows: int = 50_000  # mentors scored from content on the CF scale, at most


class SkillSource(Protocol):
    """Where the skill taxonomy index comes from (core's SkillCatalog in the app)."""

    @property
    def index(self) -> SkillIndex: ...


@dataclass
class FixedSkills:
    """A taxonomy index that never changes (benchmarks, offline evaluation)."""

    index: SkillIndex


class Indexer:
    """The index, CF model and blend in memory, and everything that keeps them current."""

    def __init__(
        self,
        db: Database,
        catalog: SkillSource,
        embedder: Embedder | None,
        config: MatchConfig | None = None,
    ) -> None:
        self.db = db
        self.catalog = catalog
        self.embedder = embedder
        self.config = config or MatchConfig()
        self.semantic_ok = False
        self.fitted = False  # TF-IDF vocabulary and CF model fitted (not just the lexical index)
        self.index: MentorIndex | None = None
        self.cf = CFModel()
        self.cf_features: MentorFeatures | None = None
        self.blend = Blend()
        self.learned: Blend | None = None
        self._dirty: set[int] = set()
        self._refresh: asyncio.Task[None] | None = None
        self._build_lock = asyncio.Lock()
        # Profiles re-indexed while a rebuild was reading its snapshot: the rebuilt index
        # may predate their change, so they are re-indexed again once it is in place.
        self._meanwhile: set[int] | None = None
        self._model_task: asyncio.Task[None] | None = None
        self.skill_vecs: tuple[npt.NDArray[np.int64], F32, list[str]] | None = None
        self.follower: ChangeFollower | None = None
        # Run in a thread once the model is loaded (the plain-words reading embeds its
        # labelled examples with it), inside the task close() waits for.
        self.after_model_load: list[Callable[[], None]] = []

    # ---------------------------------------------------------------- lifecycle

    async def start(
        self,
        now: datetime,
        *,
        load_model_in_background: bool = True,
        follow: bool = False,
        clock: Clock | None = None,
    ) -> None:
        """Build the lexical index now (skills, prices, languages, availability, reputation:
        nothing that needs scikit-learn); in the background, fit TF-IDF and CF, then load the
        embedding model, so a server answers searches soon after start. Without
        `load_model_in_background`, everything is ready on return.

        With `follow`, profiles written by other processes are re-indexed here too, read
        from the change log (`clock` times a retrain another process asks for)."""
        follower = None
        if follow:
            clock = clock or SystemClock()
            follower = ChangeFollower(
                self.db,
                self.profiles_written,
                lambda: self.retrain(clock.now()),
                interval_s=self.config.follow_interval_s,
            )
            await follower.begin()
        await self.rebuild(now, embed=False, fit=not load_model_in_background)
        if follower is not None:
            follower.start()
            self.follower = follower
        if load_model_in_background:
            self._model_task = asyncio.create_task(self._warm_up(now))
        elif self.embedder is not None:
            await self._load_model(now)

    async def _warm_up(self, now: datetime) -> None:
        try:
            # Seconds of import (scikit-learn, SciPy's parts): in a thread, so the event loop
            # keeps answering; rebuild() then finds them imported.
            for name in HEAVY_MODULES:
                await asyncio.to_thread(importlib.import_module, name)
            await self.rebuild(now, embed=False)
        except Exception:  # the lexical index keeps answering; the next retrain tries again
            log.exception("fitting TF-IDF and CF at start failed")
        if self.embedder is not None:
            await self._load_model(now)

    async def _load_model(self, now: datetime) -> None:
        assert self.embedder is not None
        try:
            loader = getattr(self.embedder, "load", None)
            if loader is not None:
                await asyncio.to_thread(loader)
            await self.embed_missing(now)
            await self.embed_skills()
            self.semantic_ok = True
            for hook in self.after_model_load:
                await asyncio.to_thread(hook)
        except Exception as exc:  # the model is an extra: matching goes on without it
            log.warning("embedding model unavailable, matching uses lexical signals only: %s", exc)
            self.semantic_ok = False

    async def wait_ready(self) -> None:
        if self._model_task is not None:
            with contextlib.suppress(Exception):
                await self._model_task

    async def close(self) -> None:
        if self.follower is not None:
            await self.follower.close()
        for task in (self._refresh, self._model_task):
            if task is not None and not task.done():
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task

    async def rebuild(self, now: datetime, *, embed: bool = True, fit: bool = True) -> None:
        """Everything from the database: records, TF-IDF vocabulary, CF model, settings.
        Without `fit`, the TF-IDF and CF parts are left empty (their signals score 0)."""
        async with self._build_lock:
            self._meanwhile = set()
            async with self.db.transaction() as s:
                records = await load_records(s)
                stored = await self._stored_embeddings(s)
                interactions = await all_interactions(s)
                blend = await self._load_blend(s)
            dim = self.embedder.dim if self.embedder is not None else 1
            idx = MentorIndex(dim, now)
            for rec in records:
                vec = stored.get(rec.user_id)
                ok = vec is not None and vec[0] == rec.text_hash() and vec[1].shape[0] == dim
                idx.upsert(rec, vec[1] if ok and vec is not None else None)
            if fit:
                idx.refit_tfidf([r.text() for r in records])  # row i is records[i]
            del records
            await asyncio.to_thread(idx.build_ann, self.config.ann_min_mentors)
            if self.index is not None:
                # Keep exposure counts across rebuilds.
                for uid, row in self.index.pos.items():
                    new = idx.pos.get(uid)
                    if new is not None:
                        idx.impressions[new] = self.index.impressions[row]
            self.index = idx
            if fit:
                feats = MentorFeatures.of(idx)
                self.cf = await asyncio.to_thread(
                    CFModel().fit, interactions, 4000, lambda ids: feats.mentors(idx, ids)
                )
                self.cf_features = feats
                self.fitted = True
            self.blend = blend
            late, self._meanwhile = self._meanwhile, None
        if late:
            await self.reindex(late)
        if embed and self.semantic_ok:
            await self.embed_missing(now)

    async def retrain(self, now: datetime) -> None:
        """The scheduled job: rebuild the index and CF model, refit the learned blend."""
        await self.rebuild(now)
        async with self.db.transaction() as s:
            feats, labels = await training_rows(s)
        self.learned = learn_blend(feats, labels, self.blend)
        log.info(
            "matching retrained: %d mentors, %d CF items, blend %s",
            len(self.index.pos) if self.index else 0,
            len(self.cf.items),
            "learned" if self.learned else self.blend.source,
        )

    async def _stored_embeddings(self, s: AsyncSession) -> dict[int, tuple[str, F32]]:
        if self.embedder is None:
            return {}
        rows = await s.execute(
            select(
                MentorEmbedding.user_id, MentorEmbedding.text_hash, MentorEmbedding.vector
            ).where(MentorEmbedding.model == self.embedder.name)
        )
        return {int(u): (h, np.frombuffer(v, dtype=np.float32).copy()) for u, h, v in rows}

    async def embed_missing(self, now: datetime) -> int:
        idx = self.index
        if idx is None or self.embedder is None:
            return 0
        ids = idx.missing_embeddings()
        done = 0
        for i in range(0, len(ids), 256):
            async with self.db.transaction() as s:
                recs = await load_records(s, ids[i : i + 256])
            await self._embed_and_store(recs, now)
            done += len(recs)
        return done

    async def _embed_and_store(self, recs: list[MentorRecord], now: datetime) -> None:
        idx = self.index
        if not recs or idx is None or self.embedder is None:
            return
        texts = [r.text() for r in recs]
        vecs = await asyncio.to_thread(self.embedder.encode, texts)
        async with self.db.transaction() as s:
            await s.execute(
                delete(MentorEmbedding).where(
                    MentorEmbedding.model == self.embedder.name,
                    MentorEmbedding.user_id.in_([r.user_id for r in recs]),
                )
            )
            for r, v in zip(recs, vecs, strict=True):
                s.add(
                    MentorEmbedding(
                        user_id=r.user_id,
                        model=self.embedder.name,
                        text_hash=r.text_hash(),
                        dim=int(v.shape[0]),
                        vector=np.asarray(v, dtype=np.float32).tobytes(),
                        updated_at=now,
                    )
                )
        for r, v in zip(recs, vecs, strict=True):
            row = idx.pos.get(r.user_id)
            if row is not None and int(idx.digest[row]) == r.text_digest():
                idx.set_embedding(row, v)  # unless the profile changed meanwhile

    # ---------------------------------------------------------------- incremental indexing

    def profiles_written(self, user_ids: Iterable[int]) -> None:
        self._dirty.update(user_ids)
        if self._refresh is None or self._refresh.done():
            # Without a running loop (a script) the next flush() picks them up.
            with contextlib.suppress(RuntimeError):
                self._refresh = asyncio.get_running_loop().create_task(self._refresh_soon())

    async def _refresh_soon(self) -> None:
        await asyncio.sleep(self.config.refresh_delay_s)
        for _ in range(10):  # bounded: writes that arrive meanwhile get another round
            if not self._dirty:
                return
            ids, self._dirty = self._dirty, set()
            try:
                await self.reindex(ids)
            except Exception:
                log.exception("re-indexing %d profiles failed", len(ids))

    async def flush(self) -> None:
        """Wait until written profiles are searchable (tests; shutdown)."""
        for _ in range(10):
            task = self._refresh
            if task is not None and not task.done():
                await task
            elif self._dirty:
                await self.reindex(set(self._dirty))
                self._dirty.clear()
            else:
                return

    async def reindex(self, user_ids: Iterable[int]) -> None:
        idx = self.index
        if idx is None:
            return
        ids = set(user_ids)
        if self._meanwhile is not None:
            self._meanwhile.update(ids)
        async with self.db.transaction() as s:
            recs = await load_records(s, ids)
        now = idx.at
        fresh: list[MentorRecord] = []
        for rec in recs:
            row = idx.pos.get(rec.user_id)
            same_text = (
                row is not None
                and bool(idx.alive[row] and idx.has_emb[row])
                and int(idx.digest[row]) == rec.text_digest()
            )
            idx.upsert(rec, None)  # the stored vector stays when the text is the same
            if not same_text:
                idx.has_emb[idx.pos[rec.user_id]] = False
                fresh.append(rec)
        for uid in ids - {r.user_id for r in recs}:
            idx.remove(uid)  # no longer an approved mentor
        if fresh and self.semantic_ok:
            await self._embed_and_store(fresh, now)

    async def embed_skills(self) -> None:
        """Skill names as vectors, to read vague requests ("make my site look nicer" → CSS)."""
        if self.embedder is None:
            return
        refs = [r for r in self.catalog.index.by_id.values() if r.status == "approved"]
        if not refs:
            return
        taxonomy = {e.name: e for e in load_taxonomy()}

        def describe(name: str) -> str:
            e = taxonomy.get(name)
            if e is None:
                return name
            aliases = f" ({', '.join(e.aliases)})" if e.aliases else ""
            return f"{name}{aliases}, {e.category}"

        vecs = await asyncio.to_thread(self.embedder.encode, [describe(r.name) for r in refs])
        self.skill_vecs = (
            np.asarray([r.id for r in refs], dtype=np.int64),
            vecs,
            [r.name for r in refs],
        )

    async def _load_blend(self, s: AsyncSession) -> Blend:
        row = await s.get(MatchSetting, "blend")
        return Blend.from_json(row.value) if row is not None else Blend()


async def training_rows(
    s: AsyncSession, since: datetime | None = None, limit: int = 200_000
) -> tuple[list[dict[str, float]], list[int]]:
    """Impressions with their logged signals, labelled 1 when the learner then clicked or
    requested that mentor."""
    q = select(MatchEvent.learner_id, MatchEvent.mentor_id, MatchEvent.features).where(
        MatchEvent.kind == "impression", MatchEvent.features.is_not(None)
    )
    if since is not None:
        q = q.where(MatchEvent.created_at >= since - timedelta(days=90))
    imps = (await s.execute(q.order_by(MatchEvent.id.desc()).limit(limit))).all()
    pos = {
        (int(a), int(m))
        for a, m in await s.execute(
            select(MatchEvent.learner_id, MatchEvent.mentor_id).where(
                MatchEvent.kind.in_(("click", "request", "completion"))
            )
        )
    }
    feats: list[dict[str, float]] = []
    labels: list[int] = []
    for a, m, f in imps:
        if isinstance(f, dict):
            feats.append({str(k): float(v) for k, v in f.items()})
            labels.append(1 if (int(a), int(m)) in pos else 0)
    return feats, labels
