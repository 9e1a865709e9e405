"""Age safeguards in call rooms (issue 18): with someone under 18 in the call, recording is
not offered and both saying yes to it records nothing."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from calls.client import RoomClient
from calls.web import ROOMS
from tests.e2e.rooms_support import Call, start_call

WAIT_S = 15


@pytest.fixture
async def call(tmp_path: Path) -> AsyncIterator[Call]:
    async for c in start_call(tmp_path):
        yield c


async def test_a_call_with_an_under_18_is_never_recorded(call: Call, tmp_path: Path) -> None:
    async with call.core.uow() as u:
        await u.trust.set_age_band(call.learner, "under18")
    mentor = RoomClient(call.url, call.token("mentor"))
    learner = RoomClient(call.url, call.token("learner"))
    rooms = call.server.app[ROOMS]
    try:
        async with asyncio.timeout(WAIT_S):
            assert (await mentor.open())["recording_allowed"] is True  # alone, an adult
            assert (await learner.open())["recording_allowed"] is False
            await mentor.send({"type": "consent", "record": True})
            await learner.expect("consent")
            await learner.send({"type": "consent", "record": True})
            await mentor.expect("consent")
            room = rooms.rooms[call.booking_id]
            assert room.minor is True and room.recording is False
    finally:
        await mentor.close()
        await learner.close()
    assert not (tmp_path / "recordings").exists()
