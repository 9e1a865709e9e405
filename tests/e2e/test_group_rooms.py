"""A group session's call room through the real signaling endpoint on 127.0.0.1: the mentor
and three learners, each an aiortc client, in one room whose server forwards every
participant's video to every other; join records per seat; the mentor's hang-up completes
every seat."""

from __future__ import annotations

import asyncio
from pathlib import Path

from aiortc import MediaStreamTrack
from av import VideoFrame

from calls.client import PatternTrack, RoomClient
from calls.web import ROOMS
from core.booking.joins import records_of
from core.booking.tables import Booking
from tests.e2e.rooms_support import loopback_ice, start_group

__all__ = ["loopback_ice"]
WAIT_S = 40  # bounded; four aiortc clients and the server share two loaded cores
LEARNERS = 3


async def _widths(client: RoomClient, n: int) -> set[int]:
    """The frame widths arriving on this client's first n received tracks."""
    tracks: list[MediaStreamTrack] = [await client.tracks.get() for _ in range(n)]
    frames = await asyncio.gather(*(t.recv() for t in tracks))
    assert all(isinstance(f, VideoFrame) for f in frames)
    return {f.width for f in frames if isinstance(f, VideoFrame)}


async def test_four_participants_each_receive_every_others_video(
    tmp_path: Path, loopback_ice: None
) -> None:
    async for group in start_group(tmp_path, LEARNERS):
        people = [group.mentor, *group.seats]
        # Each participant's camera has its own width: who sent a frame is in its size.
        width = {uid: 160 + 32 * i for i, uid in enumerate(people)}
        clients = {
            uid: RoomClient(
                group.url, group.token(uid), video=PatternTrack(width[uid], 120, fps=10)
            )
            for uid in people
        }
        rooms = group.server.app[ROOMS]
        try:
            async with asyncio.timeout(WAIT_S):
                for c in clients.values():
                    welcome = await c.open()
                    assert welcome["mode"] == "group" and welcome["slots"] == LEARNERS
                room = rooms.groups.rooms[group.group_id]
                assert len(room.members) == LEARNERS + 1
                for c in clients.values():
                    await c.via_group()
                for c in clients.values():
                    await c.connected.wait()
                got = await asyncio.gather(*(_widths(c, LEARNERS) for c in clients.values()))
            for uid, widths in zip(clients, got, strict=True):
                assert widths == {width[o] for o in people if o != uid}, (uid, widths)
            # Join records per seat: the mentor's on every seat, each learner's on their own.
            async with group.core.db.transaction() as s:
                for learner, booking_id in group.seats.items():
                    joined = {
                        r.user_id for r in await records_of(s, booking_id) if r.kind == "join"
                    }
                    assert joined == {group.mentor, learner}
            # The mentor hangs up after the start: every seat is completed.
            await clients[group.mentor].send({"type": "hangup"})
            async with asyncio.timeout(WAIT_S):
                for uid in group.seats:
                    assert (await clients[uid].expect("closed"))["reason"] == "completed"
            async with group.core.db.transaction() as s:
                for booking_id in group.seats.values():
                    b = await s.get(Booking, booking_id)
                    assert b is not None and b.status == "completed"
        finally:
            for c in clients.values():
                await c.close()
        for _ in range(100):
            if group.group_id not in rooms.groups.rooms:
                break
            await asyncio.sleep(0.05)
        assert group.group_id not in rooms.groups.rooms
