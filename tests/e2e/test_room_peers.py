"""No server peer of a 1:1 room outlives the person it was made for: one who leaves while
their new server peer is being made (the earlier one still closing) gets the new one closed
at once, not only at shutdown. An aiortc client on 127.0.0.1, in relay mode."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiortc import RTCPeerConnection

from calls.client import PatternTrack, RoomClient
from calls.peer import ServerPeer
from calls.rooms import Rooms
from calls.web import ROOMS
from tests.e2e.rooms_support import Call, loopback_ice, start_call

__all__ = ["loopback_ice"]
WAIT_S = 30  # bounded; aiortc and the server share two loaded cores


@pytest.fixture
async def relay_call(tmp_path: Path) -> AsyncIterator[Call]:
    async for c in start_call(tmp_path, call_mode="relay"):
        yield c


async def _offer() -> str:
    """An offer as a browser in relay mode makes it: audio and video, sending."""
    pc = RTCPeerConnection()
    try:
        pc.addTransceiver("video")
        pc.addTransceiver("audio")
        await pc.setLocalDescription(await pc.createOffer())
        return pc.localDescription.sdp
    finally:
        await pc.close()


async def _closed(rooms: Rooms, peers: set[ServerPeer]) -> None:
    """Wait (bounded) until these peers have closed to the end and left the registry."""
    for _ in range(200):  # 10 s at the most
        if all(p.shut and p not in rooms.peers for p in peers):
            return
        await asyncio.sleep(0.05)


async def test_leaving_while_a_new_server_peer_is_made_closes_it_at_once(
    relay_call: Call, loopback_ice: None
) -> None:
    call = relay_call
    rooms = call.server.app[ROOMS]
    mentor = RoomClient(call.url, call.token("mentor"), video=PatternTrack(160, 120))
    try:
        async with asyncio.timeout(WAIT_S):
            await mentor.open()
            await mentor.via_server()
            await mentor.connected.wait()
            seat = rooms.rooms[call.booking_id].seats["mentor"]
            first = seat.peer
            assert first is not None and rooms.peers == {first}
            sdp = await _offer()
            # A second offer (a reconnect of the media) starts by closing the first peer;
            # the person leaves while that close is under way, before the new peer exists.
            offering = asyncio.create_task(
                rooms.handle(seat, {"type": "server", "purpose": "relay", "sdp": sdp})
            )
            leaving = asyncio.create_task(rooms.leave(seat, "gone"))
            await asyncio.gather(offering, leaving)
            made = set(rooms.peers) | {first}
            await _closed(rooms, made)
            # Closed now, while the server keeps running: nothing waits for shutdown.
            assert not rooms.peers, [(p.purpose, p.shut) for p in rooms.peers]
            assert seat.peer is None
            assert first.shut and first.pc.connectionState == "closed"
    finally:
        await mentor.close()
