"""Group call rooms (issue 19 part 6): the mentor and up to N learners of a group session.

Every seat of a group session is a booking with its own room link; all of them lead here,
to one room per group. Media always goes through the server, a selective forwarding unit:
each participant sends their tracks once, and the server forwards them to every other
participant's connection, on receiving slots the browser offered up front (see
calls.peer.GroupPeer). aiortc has no packet forwarding: each incoming track is decoded once
(a decoder thread per track), aiortc's MediaRelay hands the frames to every subscriber, and
each receiver's connection encodes them again, so the server's CPU grows with the number of
receivers (figures: bench/calls_bench.py, README). Join records are kept per seat: the mentor's
join and leave are written on every active seat's booking, a learner's on their own, so the
1:1 no-show and completion rules (core.booking.noshow) decide each seat.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, web
from sqlalchemy import select

from calls.config import CallConfig
from calls.peers import (
    CLOSE_HANGUP,
    CLOSE_REPLACED,
    CLOSE_TIME_UP,
    MAX_CHAT,
    Participant,
    PeerHub,
    Refused,
    check_message,
)
from core.app import CoreApp
from core.booking.joins import record
from core.booking.room import RoomWindow
from core.booking.tables import ACTIVE, Booking
from core.db.groups import GroupSession

if TYPE_CHECKING:
    from calls.peer import GroupPeer  # noqa: F401 (named in a string: Member's base)

log = logging.getLogger(__name__)

MAX_SDP = 64_000
__all__ = ["CLOSE_HANGUP", "CLOSE_REPLACED", "CLOSE_TIME_UP", "MAX_CHAT", "GroupRooms", "Member"]


@dataclass(eq=False, kw_only=True)
class Member(Participant["GroupPeer"]):
    """A participant; `bookings` are the seats their join records go on (every active seat
    for the mentor)."""

    group_id: int


@dataclass(eq=False)
class GroupRoom:
    group_id: int
    window: RoomWindow
    seats: int
    mentor_name: str
    members: dict[int, Member] = field(default_factory=dict)
    closer: asyncio.Task[None] | None = None


class GroupRooms(PeerHub):
    def __init__(self, core: CoreApp, cfg: CallConfig) -> None:
        super().__init__(core, cfg)
        self.rooms: dict[int, GroupRoom] = {}
        # Whether the server already holds all the media connections it may (set by Rooms).
        self.busy: Callable[[], bool] = lambda: False

    def peer_count(self) -> int:
        return sum(1 for r in self.rooms.values() for m in r.members.values() if m.peer)

    async def join(
        self, b: Booking, role: str, user_id: int, name: str, ws: web.WebSocketResponse
    ) -> Member:
        assert b.group_id is not None
        async with self.core.uow() as u:
            g = await u.session.get(GroupSession, b.group_id)
            seats = list(
                await u.session.scalars(
                    select(Booking.id).where(
                        Booking.group_id == b.group_id, Booking.status.in_(ACTIVE)
                    )
                )
            )
        assert g is not None
        room = self.rooms.get(g.id)
        if room is None:
            async with self.core.uow() as u:
                mentor_name = (await u.profiles.user(g.mentor_id)).display_name
            room = GroupRoom(g.id, RoomWindow.of(b, self.core.policies), g.seats, mentor_name)
            self.rooms[g.id] = room
            room.closer = self._spawn(self._close_at_end(room))
        member = Member(
            group_id=g.id,
            user_id=user_id,
            role=role,
            name=name,
            bookings=tuple(seats) if role == "mentor" else (b.id,),
            ws=ws,
        )
        old = room.members.get(user_id)
        room.members[user_id] = member
        if old is not None:
            old.gone = True
            await self._unforward(room, old)
            await self._close_peer(old)
            await self._close_socket(old, CLOSE_REPLACED, b"replaced by another tab")
        now = self.core.clock.now()
        await self._record(member, "join", "replaced an earlier tab" if old else "")
        host = next((m for m in room.members.values() if m.role == "mentor"), None)
        if role == "learner" and host is not None and b.id not in host.bookings:
            # A seat taken after the mentor came in: the mentor is in this seat's call too.
            host.bookings = (*host.bookings, b.id)
            async with self.core.uow() as u:
                await record(
                    u.session, b.id, host.user_id, "mentor", "join", u.now, "already in the room"
                )
        await self._send(
            member,
            {
                "type": "welcome",
                "mode": "group",
                "title": f"Group session: {g.topic or 'with ' + room.mentor_name}"[:120],
                "partner_name": "the group",
                "peer": bool(self._others(room, member)),
                "chat": [],
                "back": {},
                "now": now.isoformat(),
                "recording": False,
                "recording_allowed": False,
                "you": {"role": role, "name": name, "id": user_id},
                "participants": [
                    {"id": m.user_id, "role": m.role, "name": m.name}
                    for m in room.members.values()
                    if m is not member
                ],
                # Receiving slots to offer per kind: everyone else in a full room.
                "slots": room.seats,
                "ice_servers": self.ice_for(user_id),
                "starts_at": room.window.starts_at.isoformat(),
                "ends_at": room.window.ends_at.isoformat(),
                "closes_at": room.window.closes_at.isoformat(),
            },
        )
        for m in self._others(room, member):
            await self._send(m, {"type": "peer-joined", "from": role, "id": user_id, "name": name})
        return member

    async def handle(self, member: Member, msg: Any) -> None:
        room = self.rooms.get(member.group_id)
        if room is None or member.gone:
            return
        try:
            await self._dispatch(room, member, msg)
        except Refused as e:
            await self.refuse(member, str(e))

    async def _dispatch(self, room: GroupRoom, member: Member, msg: Any) -> None:
        kind = check_message(msg)
        if kind == "server":
            sdp = msg.get("sdp")
            if not isinstance(sdp, str) or len(sdp) > MAX_SDP:
                raise Refused("server offer needs sdp")
            await self._connect(room, member, sdp)
        elif kind == "chat":
            text = msg.get("text")
            if not isinstance(text, str) or not text.strip():
                raise Refused("chat needs text")
            out = {"type": "chat", "from": member.role, "id": member.user_id}
            out |= {"name": member.name, "text": text[:MAX_CHAT]}
            for m in list(room.members.values()):
                await self._send(m, out)
        elif kind == "ice":
            await self._record(member, "ice", str(msg.get("state"))[:20])
        elif kind == "ping":
            await self._send(member, {"type": "pong", "t": msg.get("t")})
        elif kind == "hangup":
            await self.leave(member, "hangup")
            await self._close_socket(member, CLOSE_HANGUP, b"hung up")
        else:
            raise Refused(f"unknown message type {kind[:20]!r}")

    async def _connect(self, room: GroupRoom, member: Member, sdp: str) -> None:
        if member.peer is None and self.busy():
            raise Refused("the server is busy; try again in a minute")
        await self._unforward(room, member)
        await self._close_peer(member)
        relay = self.relay()  # aiortc imported here, at the first server peer

        from calls.peer import GroupPeer

        async def on_state(state: str) -> None:
            await self._record(member, "ice", f"server:{state}")

        peer = GroupPeer(self.ice_for(member.user_id), relay, on_state=on_state)
        self.peers.add(peer)
        if member.gone:  # left while the earlier peer was being closed
            return await self._close(peer)
        member.peer = peer
        answer = await peer.answer(sdp)
        if member.peer is not peer:  # left (or reconnected) while the answer was made
            return await self._close(peer)
        for other in self._others(room, member):
            if other.peer is not None:
                other.peer.forward(member.user_id, peer)
                peer.forward(other.user_id, other.peer)
        await self._send(member, {"type": "server", "sdp": answer.sdp, "kind": answer.type})

    async def leave(self, member: Member, reason: str) -> None:
        room = self.rooms.get(member.group_id)
        mine = not member.gone and room is not None and room.members.get(member.user_id) is member
        if mine and room is not None:
            member.gone = True
            del room.members[member.user_id]
            if not room.members:
                self._drop(room)
        if room is not None:
            await self._unforward(room, member)
        await self._close_peer(member)
        if not mine or room is None:
            return
        await self._record(member, "leave", reason)
        ended = False
        if reason == "hangup" and self.core.clock.now() >= room.window.starts_at:
            # A learner's hang-up completes their seat; the mentor's, every seat.
            ended = await self._complete(member.bookings)
        for m in self._others(room, member):
            await self._send(
                m,
                {"type": "peer-left", "from": member.role, "id": member.user_id, "reason": reason},
            )
        if ended and member.role == "mentor":
            for m in list(room.members.values()):
                await self._send(m, {"type": "closed", "reason": "completed", "by": "mentor"})
                await self.leave(m, "ended")
                await self._close_socket(m, CLOSE_TIME_UP, b"session over")

    async def _complete(self, bookings: tuple[int, ...]) -> bool:
        done = False
        for booking_id in bookings:
            try:
                async with self.core.uow() as u:
                    done = await u.bookings.complete_after_call(booking_id) or done
            except Exception:
                log.exception("could not complete booking %s after the call", booking_id)
        return done

    async def _unforward(self, room: GroupRoom, member: Member) -> None:
        for m in room.members.values():
            if m is not member and m.peer is not None:
                m.peer.unforward(member.user_id)

    async def _close_at_end(self, room: GroupRoom) -> None:
        left = (room.window.closes_at - self.core.clock.now()).total_seconds()
        await asyncio.sleep(max(0.0, left))
        for m in list(room.members.values()):
            await self._send(m, {"type": "closed", "reason": "time"})
            await self.leave(m, "time")
            await self._close_socket(m, CLOSE_TIME_UP, b"session over")
        self._drop(room)

    def _drop(self, room: GroupRoom) -> None:
        self._forget(self.rooms, room.group_id, room)

    async def close_all(self) -> None:
        for room in list(self.rooms.values()):
            for m in list(room.members.values()):
                m.gone = True
                await self._close_peer(m)
                await self._close_socket(m, WSCloseCode.GOING_AWAY, b"server shutdown")
            self._drop(room)
        await self._finish()

    def _others(self, room: GroupRoom, member: Member) -> list[Member]:
        return [m for m in room.members.values() if m is not member]
