"""Published matching models on SQLite and PostgreSQL (issue 21, part 7): the trainer's
retrain stores a version, another engine on the same database loads it instead of fitting
and ranks exactly as the trainer does; a newer version replaces it; a single process that
does not publish retrains itself and stores nothing."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import func, select

from core.clock import ManualClock
from core.db.engine import Database
from core.db.matching import MatchModel
from core.db.schema import MentorProfile, Skill, User, UserSkill
from core.services.catalog import SkillCatalog
from matching import modelstore
from matching.embed import HashingEmbedder
from matching.engine import MatchingEngine
from matching.query import understand
from matching.sync import ModelSync

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
SKILLS = ("Python", "Docker", "CSS")


async def _seed(store: Database) -> tuple[list[int], list[int]]:
    """12 mentors over three skills; 20 learners who each requested three of them."""
    async with store.transaction() as s:
        ids = {}
        for name in SKILLS:
            row = (await s.execute(Skill.__table__.select().where(Skill.name == name))).first()
            assert row is not None
            ids[name] = row.id
        mentors = []
        for i in range(12):
            skill = SKILLS[i % 3]
            u = User(display_name=f"M{i}", created_at=NOW, timezone="Asia/Kolkata")
            s.add(u)
            await s.flush()
            s.add(UserSkill(user_id=u.id, skill_id=ids[skill], kind="teach", level="advanced"))
            s.add(MentorProfile(user_id=u.id, headline=f"{skill} mentor {i}", status="approved"))
            mentors.append(u.id)
        learners = []
        for i in range(20):
            u = User(display_name=f"L{i}", created_at=NOW)
            s.add(u)
            await s.flush()
            learners.append(u.id)
    return mentors, learners


async def _engine(store: Database, *, shared: bool) -> MatchingEngine:
    catalog = SkillCatalog()
    async with store.transaction() as s:
        await catalog.refresh(s)
    engine = MatchingEngine(store, catalog, HashingEmbedder(32))
    engine.shared_models = shared
    await engine.start(NOW, load_model_in_background=False)
    return engine


def _ranking(engine: MatchingEngine, learner: int, text: str) -> tuple[list[int], list[float]]:
    q = understand(text, engine.catalog.index, "Asia/Kolkata", NOW)
    q, qvec, sem, _notes = engine.prepare(q)
    sc = engine.score(
        q,
        learner_id=learner,
        learner_langs=(),
        blend=engine.blend,
        qvec=qvec,
        semantic_text=sem,
    )
    assert engine.index is not None
    order = np.argsort(-sc.score, kind="stable")
    return [int(engine.index.ids[sc.rows[i]]) for i in order], [float(sc.score[i]) for i in order]


async def test_one_engine_publishes_and_another_loads_and_ranks_the_same(
    store: Database,
) -> None:
    mentors, learners = await _seed(store)
    trainer = await _engine(store, shared=True)
    rng = random.Random(1)
    async with store.transaction() as s:
        for lr in learners:
            for m in rng.sample(mentors, 3):
                await trainer.log_event(s, lr, m, "request", NOW)
    clock = ManualClock(NOW)
    a = ModelSync(trainer, clock, worker="a", trainer=lambda: True, publish=True)
    assert await a.train(NOW) == 1
    assert trainer.model_version == 1 and trainer.model_source == "trained here"

    other = await _engine(store, shared=True)  # starts from version 1: no fit of its own
    assert other.model_version == 1 and other.model_source == "loaded"
    assert other.cf.history == trainer.cf.history
    for lr in learners[:6]:
        for text in ("python", "docker containers", "make my website prettier"):
            assert _ranking(other, lr, text) == _ranking(trainer, lr, text)

    # A new version: the other worker's sync (not the trainer) loads it, never fits.
    b = ModelSync(other, clock, worker="b", trainer=lambda: False, publish=True)
    async with store.transaction() as s:
        await trainer.log_event(s, learners[0], mentors[11], "request", NOW)
    assert await a.train(NOW) == 2
    await b.scheduled()  # the retrain job, in a worker not holding the scheduler
    assert other.model_version == 2 and other.model_source == "loaded"
    assert other.cf.history[learners[0]][mentors[11]] == 1.0
    assert _ranking(other, learners[0], "css") == _ranking(trainer, learners[0], "css")
    # The change log's "retrain everything": the other rebuilds around the model it has.
    await b.everything(NOW)
    assert other.model_version == 2 and other.model_source == "loaded"
    assert _ranking(other, learners[1], "python") == _ranking(trainer, learners[1], "python")
    for _ in range(3):
        await a.train(NOW)
    async with store.transaction() as s:
        kept = (await s.scalars(select(MatchModel.version).order_by(MatchModel.version))).all()
    assert list(kept) == [3, 4, 5]  # the newest KEEP versions
    assert await modelstore.latest_version(store) == 5
    await trainer.close()
    await other.close()


async def test_a_single_process_retrains_itself_and_publishes_nothing(store: Database) -> None:
    await _seed(store)
    engine = await _engine(store, shared=False)
    sync = ModelSync(engine, ManualClock(NOW), worker="solo", trainer=lambda: True, publish=False)
    await sync.scheduled()
    await sync.everything(NOW)
    assert engine.model_source == "trained here" and engine.model_version is None
    async with store.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(MatchModel)) == 0
    await engine.close()


async def test_an_unreadable_version_is_skipped_and_the_model_in_use_stays(
    store: Database,
) -> None:
    await _seed(store)
    engine = await _engine(store, shared=True)
    assert engine.model_source == "fitted here"
    await modelstore.publish(store, b"garbage", "mallory", NOW)
    assert await engine.load_published(NOW) is None
    assert engine.model_source == "fitted here" and engine.model_version is None
    await engine.close()
