"""The engine follows the change log: profiles written where it can't see them (another
process) are re-indexed, and `mentorbot match retrain` run elsewhere retrains it."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy import update

from core.app import CoreApp
from core.db import changes
from core.db.schema import MentorProfile
from matching.embed import HashingEmbedder
from matching.engine import MatchConfig, MatchingEngine
from mentorbot.match_cli import run_match
from mentorbot.settings import Settings
from tests.support import ChatDriver, RecordingChannel, rebuilt
from tests.unit.dialog_helpers import apply_as_mentor


async def eventually(cond: Callable[[], bool], within_s: float = 5.0) -> bool:
    for _ in range(int(within_s / 0.02)):
        if cond():
            return True
        await asyncio.sleep(0.02)
    return cond()


@pytest.fixture
async def engine(core: CoreApp) -> AsyncIterator[MatchingEngine]:
    # Not core.recommender: nothing in this process tells the engine about a write.
    eng = MatchingEngine(
        core.db, core.catalog, HashingEmbedder(), MatchConfig(follow_interval_s=0.05)
    )
    await eng.start(core.clock.now(), load_model_in_background=False, follow=True, clock=core.clock)
    yield eng
    await eng.close()
    assert eng.follower is not None and not eng.follower.running


async def _caught_up(core: CoreApp, engine: MatchingEngine) -> None:
    async with core.db.transaction() as s:
        last = await changes.latest(s)
    assert engine.follower is not None
    follower = engine.follower
    assert await eventually(lambda: follower.cursor == last)
    await engine.flush()


async def _approve_quietly(core: CoreApp, engine: MatchingEngine, name: str) -> int:
    """Approve behind the dialogs' back, as another process's write looks from here."""
    await apply_as_mentor(core, name)
    await _caught_up(core, engine)  # the application's own steps are logged
    async with core.db.transaction() as s:
        res = await s.execute(
            update(MentorProfile)
            .where(MentorProfile.status == "pending")
            .values(status="approved")
            .returning(MentorProfile.user_id)
        )
        return int(res.scalar_one())


def _indexed(engine: MatchingEngine, uid: int) -> bool:
    return engine.index is not None and uid in engine.index.pos


async def test_a_logged_change_is_indexed(
    core: CoreApp, inbox: RecordingChannel, engine: MatchingEngine
) -> None:
    uid = await _approve_quietly(core, engine, "anu")
    await asyncio.sleep(0.2)
    assert not _indexed(engine, uid)  # unlogged: invisible until a retrain
    async with core.db.transaction() as s:
        await changes.record(s, [uid], core.clock.now())
    assert await eventually(lambda: _indexed(engine, uid))


async def test_match_retrain_run_elsewhere_retrains_a_following_engine(
    core: CoreApp, inbox: RecordingChannel, engine: MatchingEngine
) -> None:
    uid = await _approve_quietly(core, engine, "bela")
    settings = Settings(_env_file=None, database_url=str(core.db.engine.url))  # type: ignore[call-arg]
    await run_match(settings, argparse.Namespace(match_cmd="retrain"))
    assert await eventually(lambda: _indexed(engine, uid))


async def test_weights_changed_in_another_process_chat_reach_a_following_engine(
    core: CoreApp, inbox: RecordingChannel, engine: MatchingEngine
) -> None:
    here = MatchingEngine(core.db, core.catalog, None)  # the process the admin talks to
    await here.start(core.clock.now())
    core = rebuilt(core, recommender=here)
    try:
        admin = ChatDriver(core, "admin")
        await admin.say("/admin weights reputation=0.5")
        assert "reputation: 0.50" in admin.text(), admin.text()
        assert await eventually(lambda: engine.blend.weights["reputation"] == 0.5)
    finally:
        await here.close()


async def test_a_mentor_approved_during_a_rebuild_is_still_found_after_it(
    core: CoreApp, inbox: RecordingChannel, engine: MatchingEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rebuild reads its snapshot, then fits for seconds; a profile re-indexed meanwhile
    must not vanish when the rebuilt index replaces the old one (seen in CI under load:
    a mentor approved right after start was not found)."""
    import threading

    from matching.index import MentorIndex

    building, release = threading.Event(), threading.Event()
    real_build = MentorIndex.build_ann

    def slow_build(self: MentorIndex, *args: object, **kwargs: object) -> object:
        building.set()
        release.wait(10)
        return real_build(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(MentorIndex, "build_ann", slow_build)
    rebuild = asyncio.create_task(engine.rebuild(core.clock.now(), embed=False))
    assert await asyncio.to_thread(building.wait, 10)  # the snapshot is taken
    uid = await _approve_quietly(core, engine, "anu")
    await engine.reindex([uid])  # as the change log's follower does
    assert _indexed(engine, uid)  # in the old index
    release.set()
    await rebuild
    assert _indexed(engine, uid)  # and in the rebuilt one
