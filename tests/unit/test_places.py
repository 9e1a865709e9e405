"""Where the bot is: core.bot_added / bot_removed and the Places service behind them."""

from __future__ import annotations

from datetime import timedelta

from core.app import CoreApp
from core.clock import ManualClock
from core.messaging import Delivered
from core.services.places import Place, PlaceInfo

GROUP = Place("telegram", "telegram", "-100123", "Study group")


async def _get(core: CoreApp, place: Place = GROUP) -> PlaceInfo | None:
    async with core.uow() as u:
        return await u.places.get(place.platform, place.workspace, place.chat_id)


async def _active(core: CoreApp) -> list[str]:
    async with core.uow() as u:
        return [p.place.chat_id for p in await u.places.active("telegram", "telegram")]


async def test_added_removed_and_added_again(core: CoreApp, clock: ManualClock) -> None:
    added_at = clock.now()
    assert await core.bot_added(GROUP)
    info = await _get(core)
    assert info == PlaceInfo(GROUP, True, added_at)
    assert await _active(core) == ["-100123"]

    clock.advance(timedelta(hours=1))
    assert await core.bot_removed(GROUP)
    info = await _get(core)
    assert info is not None and not info.active and info.since == added_at + timedelta(hours=1)
    assert await _active(core) == []

    clock.advance(timedelta(hours=1))
    renamed = Place("telegram", "telegram", "-100123", "Study group 2027")
    assert await core.bot_added(renamed)
    info = await _get(core)
    assert info is not None and info.active and info.place.title == "Study group 2027"
    assert info.since == added_at + timedelta(hours=2)


async def test_a_redelivered_change_is_acted_on_once(core: CoreApp, clock: ManualClock) -> None:
    once = Delivered("telegram:1", "42")
    assert await core.bot_added(GROUP, once=once)
    assert not await core.bot_added(GROUP, once=once)
    removal = Delivered("telegram:1", "43")
    assert await core.bot_removed(GROUP, once=removal)
    clock.advance(timedelta(minutes=5))
    assert not await core.bot_removed(GROUP, once=removal)
    info = await _get(core)
    assert info is not None and not info.active and info.since == clock.now() - timedelta(minutes=5)


async def test_removed_from_a_place_never_recorded_is_kept_as_inactive(core: CoreApp) -> None:
    other = Place("telegram", "telegram", "-100999", "Old group \ud800")
    assert await core.bot_removed(other)
    info = await _get(core, other)
    assert info is not None and not info.active
    assert info.place.title == "Old group \ufffd"  # a lone surrogate can't be stored
    assert await _active(core) == []
