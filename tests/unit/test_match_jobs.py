"""The retrain job: scheduled on the running loop; one run refreshes index, CF and blend."""

from __future__ import annotations

from core.app import CoreApp
from core.db.schema import Review, User
from matching.embed import HashingEmbedder
from matching.engine import MatchingEngine
from matching.jobs import retrain_once, start_retrain_job
from tests.support import RecordingChannel
from tests.unit.dialog_helpers import apply_as_mentor


async def test_retrain_picks_up_new_mentors_reviews_and_feedback(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    engine = MatchingEngine(core.db, core.catalog, HashingEmbedder())
    await engine.start(core.clock.now(), load_model_in_background=False)
    assert engine.index is not None and not engine.index.pos
    await apply_as_mentor(core, "anu", skills="Python: advanced")
    async with core.db.transaction() as s:
        from sqlalchemy import select

        from core.db.schema import MentorProfile

        mp = await s.scalar(select(MentorProfile))
        assert mp is not None
        mp.status = "approved"  # changed behind the engine's back: only a retrain sees it
        learner = User(display_name="L", created_at=core.clock.now())
        s.add(learner)
        await s.flush()
        s.add(
            Review(mentor_id=mp.user_id, author_id=learner.id, stars=5, created_at=core.clock.now())
        )
        mentor_id, learner_id = mp.user_id, learner.id
    await retrain_once(engine, core.clock)
    assert mentor_id in engine.index.pos
    assert engine.cf.history[learner_id] == {mentor_id: 1.0}
    # The review's time reaches CF (its temporal term): when the learner chose the mentor.
    assert engine.cf.chosen_at[learner_id] == {mentor_id: core.clock.now().timestamp()}
    assert engine.learned is None  # too little click feedback: default weights (cold start)


async def test_the_scheduler_runs_one_retrain_job(core: CoreApp) -> None:
    engine = MatchingEngine(core.db, core.catalog, None)
    await engine.start(core.clock.now())
    scheduler = start_retrain_job(engine, core.clock, minutes=30)
    try:
        jobs = scheduler.get_jobs()
        assert [j.id for j in jobs] == ["matching-retrain"]
        assert jobs[0].max_instances == 1
    finally:
        scheduler.shutdown(wait=False)
        await engine.close()
