"""No server peer of a group room outlives its participant: when a participant leaves, when
their socket drops, and when the app shuts down while a close is under way (aiohttp cancels
socket handlers at shutdown; an interrupted RTCPeerConnection.close left a receiver's
non-daemon `video-decoder` thread running, and pytest never exited). Three aiortc clients on
127.0.0.1."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

from calls.client import PatternTrack, RoomClient
from calls.group_room import GroupRooms
from calls.peer import GroupPeer
from calls.web import ROOMS
from tests.e2e.rooms_support import Group, loopback_ice, start_group

__all__ = ["loopback_ice"]
WAIT_S = 40  # bounded; three aiortc clients and the server share two loaded cores


def _decoders() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.endswith("-decoder") and t.is_alive()}


async def _connect_all(group: Group) -> tuple[GroupRooms, dict[int, RoomClient]]:
    people = [group.mentor, *group.seats]
    clients = {
        uid: RoomClient(group.url, group.token(uid), video=PatternTrack(160, 120, fps=10))
        for uid in people
    }
    hub = group.server.app[ROOMS].groups
    async with asyncio.timeout(WAIT_S):
        for c in clients.values():
            await c.open()
        for c in clients.values():
            await c.via_group()
        for c in clients.values():
            await c.connected.wait()
        # Media flows: every client gets a frame from someone (so the server's receivers,
        # and their decoder threads, are running).
        for c in clients.values():
            await (await c.tracks.get()).recv()
    return hub, clients


async def _closed(hub: GroupRooms, peers: set[GroupPeer]) -> None:
    """Wait (bounded) until these peers have closed to the end and left the registry."""
    for _ in range(int(WAIT_S / 0.05)):
        if all(p.shut and p not in hub.peers for p in peers):
            return
        await asyncio.sleep(0.05)


async def test_each_leaver_s_peer_is_closed_and_the_registry_empties(
    tmp_path: Path, loopback_ice: None
) -> None:
    before = _decoders()
    async for group in start_group(tmp_path, 2):
        hub, clients = await _connect_all(group)
        made = set(hub.peers)
        assert len(made) == 3 and all(not p.shut for p in made)
        try:
            # A learner closes their connection and socket; the mentor and the other stay.
            learner = next(iter(group.seats))
            gone = hub.rooms[group.group_id].members[learner].peer
            assert gone is not None
            await clients[learner].close()
            await _closed(hub, {gone})
            assert gone.pc.connectionState == "closed"
            assert len(hub.peers) == 2 and all(not p.shut for p in hub.peers)
            for uid, c in clients.items():
                if uid != learner:
                    await c.close()
            await _closed(hub, made)
            assert not hub.peers and not hub.rooms
        finally:
            for c in clients.values():
                await c.close()
        assert all(p.shut and p.pc.connectionState == "closed" for p in made)
        assert hub.peer_count() == 0
    assert _decoders() <= before


async def test_a_close_cut_short_by_cancellation_still_finishes_before_shutdown_ends(
    tmp_path: Path, loopback_ice: None
) -> None:
    before = _decoders()
    async for group in start_group(tmp_path, 2):
        hub, clients = await _connect_all(group)
        made = set(hub.peers)
        try:
            room = hub.rooms[group.group_id]
            member = next(m for m in room.members.values() if m.role == "learner")
            peer = member.peer
            assert peer is not None
            # What aiohttp does at shutdown to a socket handler busy in its `finally`.
            leaving = asyncio.get_running_loop().create_task(hub.leave(member, "gone"))
            await asyncio.sleep(0.01)
            leaving.cancel()
            await asyncio.gather(leaving, return_exceptions=True)
            # The app shuts down with the other two still connected.
            await group.server.close()
            assert not hub.peers and not hub.rooms
            assert all(p.shut and p.pc.connectionState == "closed" for p in made), [
                (p.shut, p.pc.connectionState) for p in made
            ]
        finally:
            for c in clients.values():
                await c.close()
    assert _decoders() <= before
