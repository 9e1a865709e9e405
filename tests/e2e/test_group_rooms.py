"""A group session's call room through the real signaling endpoint on 127.0.0.1: the mentor
and three learners, each an aiortc client, in one room whose server forwards every
participant's video to every other; join records per seat; the mentor's hang-up completes
every seat."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from aiohttp.test_utils import TestServer
from aiortc import MediaStreamTrack
from av import VideoFrame

from calls.client import PatternTrack, RoomClient
from calls.web import ROOMS
from core.app import CoreApp
from core.booking.joins import records_of
from core.booking.tables import Booking
from core.booking.views import room_token
from core.clock import ManualClock
from mentorbot.app import CORE, create_app
from tests.booking_support import add_mentor, add_user
from tests.e2e.rooms_support import BOOKED_AT, START, call_settings, loopback_ice

__all__ = ["loopback_ice"]
WAIT_S = 40  # bounded; four aiortc clients and the server share two loaded cores
LEARNERS = 3


@dataclass
class Group:
    server: TestServer
    core: CoreApp
    group_id: int
    mentor: int
    seats: dict[int, int]  # learner -> booking

    @property
    def url(self) -> str:
        return str(self.server.make_url("")).rstrip("/")

    def token(self, user_id: int) -> str:
        if user_id == self.mentor:
            first = min(self.seats.values())
            return room_token(self.core.signing_keys, first, user_id, "mentor")
        return room_token(self.core.signing_keys, self.seats[user_id], user_id, "learner")


async def start_group(tmp_path: Path) -> AsyncIterator[Group]:
    clock = ManualClock(BOOKED_AT)
    srv = TestServer(create_app(call_settings(tmp_path), clock=clock), host="127.0.0.1")
    await srv.start_server()
    core = srv.app[CORE]
    async with core.uow() as u:
        mentor = await add_mentor(u.session, "Meera", BOOKED_AT)
        learners = [await add_user(u.session, f"L{i}", BOOKED_AT) for i in range(LEARNERS)]
        g = await u.bookings.offer_group(mentor, START, 30, LEARNERS, price_mode="free")
        seats = {lid: (await u.bookings.book_seat(g.id, lid)).id for lid in learners}
        group_id = g.id
    clock.advance(START + timedelta(minutes=1) - clock.now())
    try:
        yield Group(srv, core, group_id, mentor, seats)
    finally:
        await srv.close()


async def _widths(client: RoomClient, n: int) -> set[int]:
    """The frame widths arriving on this client's first n received tracks."""
    tracks: list[MediaStreamTrack] = [await client.tracks.get() for _ in range(n)]
    frames = await asyncio.gather(*(t.recv() for t in tracks))
    assert all(isinstance(f, VideoFrame) for f in frames)
    return {f.width for f in frames if isinstance(f, VideoFrame)}


async def test_four_participants_each_receive_every_others_video(
    tmp_path: Path, loopback_ice: None
) -> None:
    async for group in start_group(tmp_path):
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
