"""The unit of work: events go through the handler table before commit, messages go out after
it, and a failure anywhere rolls everything back with nothing delivered."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from core.app import CoreApp
from core.db.schema import Outbox, User
from core.events import MentorApplied
from core.messaging import Actor, Reply
from core.notices.table import core_handlers
from core.uow import UnitOfWork
from tests.support import RecordingChannel, rebuilt


@dataclass(frozen=True)
class Waved:
    user_id: int


@dataclass(frozen=True)
class WavedBack:
    user_id: int


async def wave(u: UnitOfWork, ev: Waved) -> None:
    await u.notify(ev.user_id, [Reply("👋")])
    u.events.append(WavedBack(ev.user_id))  # handled in the same pass


async def wave_back(u: UnitOfWork, ev: WavedBack) -> None:
    await u.notify(ev.user_id, [Reply("👋 back")])


async def explode(u: UnitOfWork, ev: WavedBack) -> None:
    raise RuntimeError("handler failed")


async def _person(core: CoreApp, name: str) -> int:
    async with core.uow() as u:
        user, _account = await u.identity.resolve(Actor("console", "console", name, name))
        return user.id


def _with(core: CoreApp, table: dict[type, tuple[object, ...]]) -> CoreApp:
    return rebuilt(core, handlers=core_handlers(table))  # type: ignore[arg-type]


async def test_events_are_handled_in_one_pass_and_delivered_after_commit(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    uid = await _person(core, "ravi")
    core = _with(core, {Waved: (wave,), WavedBack: (wave_back,)})
    async with core.uow() as u:
        u.events.append(Waved(uid))
        assert inbox.inbox.get("ravi") is None  # nothing leaves before the commit
    assert [r.text for r in inbox.inbox["ravi"]] == ["👋", "👋 back"]


async def test_a_failing_handler_rolls_back_the_work_and_sends_nothing(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    uid = await _person(core, "ravi")
    core = _with(core, {Waved: (wave,), WavedBack: (explode,)})
    with pytest.raises(RuntimeError, match="handler failed"):
        async with core.uow() as u:
            user = await u.session.get(User, uid)
            assert user is not None
            user.display_name = "Changed"
            u.events.append(Waved(uid))
    assert inbox.inbox.get("ravi") is None
    async with core.uow() as u:
        user = await u.session.get(User, uid)
        assert user is not None and user.display_name == "ravi"
        assert await u.session.scalar(select(func.count()).select_from(Outbox)) == 0


async def test_an_adapters_handler_runs_after_the_cores(
    core: CoreApp, inbox: RecordingChannel
) -> None:
    seen: list[str] = []

    async def after(u: UnitOfWork, ev: MentorApplied) -> None:
        seen.append(f"adapter saw {ev.user_id}, profiles changed {sorted(u.changed_profiles)}")

    uid = await _person(core, "ravi")
    core = _with(core, {MentorApplied: (after,)})
    async with core.uow() as u:
        u.events.append(MentorApplied(uid))
    # The core's own handler (mark the profile for re-indexing) ran first.
    assert seen == [f"adapter saw {uid}, profiles changed [{uid}]"]
