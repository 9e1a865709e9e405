"""Matching's storage on SQLite and PostgreSQL: stored embeddings are reused, the interaction
log feeds the A/B report and CF, admin weights persist."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from core.db.engine import Database
from core.db.matching import MentorEmbedding
from core.db.schema import MentorProfile, Skill, User, UserSkill
from core.services.catalog import SkillCatalog
from matching.embed import HashingEmbedder, Matrix
from matching.engine import MatchingEngine
from matching.experiments import variant_stats

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


class CountingEmbedder(HashingEmbedder):
    """The hashing embedder, counting the profile texts it was asked to embed (not the
    taxonomy's skill descriptions, embedded at every start)."""

    def __init__(self) -> None:
        super().__init__(32)
        self.texts = 0

    def encode(self, texts: list[str]) -> Matrix:
        self.texts += sum(1 for t in texts if "Teaches" in t)
        return super().encode(texts)


async def _mentor(store: Database, name: str, skill: str) -> int:
    async with store.transaction() as s:
        u = User(display_name=name, created_at=NOW, wants_to_mentor=True, timezone="Asia/Kolkata")
        s.add(u)
        await s.flush()
        sk = (await s.execute(Skill.__table__.select().where(Skill.name == skill))).first()
        assert sk is not None
        s.add(UserSkill(user_id=u.id, skill_id=sk.id, kind="teach", level="advanced"))
        s.add(MentorProfile(user_id=u.id, headline=f"{skill} mentor", status="approved"))
        return u.id


async def _engine(store: Database, embedder: CountingEmbedder) -> MatchingEngine:
    catalog = SkillCatalog()
    async with store.transaction() as s:
        await catalog.refresh(s)
    engine = MatchingEngine(store, catalog, embedder)
    await engine.start(NOW, load_model_in_background=False)
    return engine


async def test_embeddings_are_stored_and_reused(store: Database) -> None:
    a = await _mentor(store, "Ann", "Python")
    await _mentor(store, "Bo", "Docker")
    first = CountingEmbedder()
    engine = await _engine(store, first)
    assert first.texts == 2
    async with store.transaction() as s:
        row = await s.get(MentorEmbedding, (a, "hash-32"))
        assert row is not None and row.dim == 32
        assert np.frombuffer(row.vector, dtype=np.float32).shape == (32,)
    # A restart reads them back instead of embedding again.
    second = CountingEmbedder()
    again = await _engine(store, second)
    assert second.texts == 0
    assert again.index is not None and again.index.has_emb[again.index.pos[a]]
    await engine.close()
    await again.close()


async def test_interaction_log_feeds_ab_report_and_cf(store: Database) -> None:
    mentor = await _mentor(store, "Ann", "Python")
    engine = await _engine(store, CountingEmbedder())
    async with store.transaction() as s:
        learners = [User(display_name=f"L{i}", created_at=NOW) for i in range(6)]
        s.add_all(learners)
        await s.flush()
        for lr in learners:
            await engine.log_event(s, lr.id, mentor, "impression", NOW, position=0)
            await engine.log_event(s, lr.id, mentor, "request", NOW)
    async with store.transaction() as s:
        stats = {v.variant: v for v in await variant_stats(s)}
    assert sum(v.counts.get("impression", 0) for v in stats.values()) == 6
    assert sum(v.counts.get("request", 0) for v in stats.values()) == 6
    assert sum(v.learners for v in stats.values()) == 6
    await engine.retrain(NOW)
    assert engine.cf.history[learners[0].id] == {mentor: 1.0}
    await engine.close()


async def test_admin_weights_persist(store: Database) -> None:
    engine = await _engine(store, CountingEmbedder())
    await engine.set_weights({"price": 0.5}, NOW)
    fresh = await _engine(store, CountingEmbedder())
    assert fresh.blend.weights["price"] == 0.5 and fresh.blend.source == "admin"
    await engine.close()
    await fresh.close()
