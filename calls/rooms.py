"""Live call rooms: who is in which booking's room, and the messages between them.

State lives in one `Rooms` object kept in the aiohttp app (no module-level registry). The
server decides who said what: every relayed message carries the sender's role as the server
knows it, and a client that tries to name a sender itself is refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from aiohttp import WSCloseCode, web

from calls.config import CallConfig
from calls.group_room import GroupRooms
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
from core.booking.room import RoomWindow
from core.booking.room_chat import add_message, message_count, messages_of
from core.booking.tables import Booking

if TYPE_CHECKING:
    from calls.peer import ServerPeer

log = logging.getLogger(__name__)

__all__ = ["CLOSE_HANGUP", "CLOSE_REPLACED", "CLOSE_TIME_UP", "MAX_CHAT", "Refused", "Rooms"]
# A room's kept chat is sent whole to whoever (re)joins: bounded, far above a real session.
MAX_CHAT_MESSAGES = 1000
MAX_SIGNAL = 64_000
ICE_STATES = ("new", "checking", "connected", "completed", "failed", "disconnected", "closed")
# What a "record this call" tick agrees to; kept with every consent record.
RECORDING_CONSENT_VERSION = "room-recording-1"


@dataclass(eq=False, kw_only=True)
class Seat(Participant["ServerPeer"]):
    booking_id: int
    joined_at: datetime
    consent: bool = False

    def __post_init__(self) -> None:
        self.bookings = (self.booking_id,)


@dataclass(eq=False)
class Room:
    booking_id: int
    window: RoomWindow
    names: dict[str, str]
    seats: dict[str, Seat] = field(default_factory=dict)
    closer: asyncio.Task[None] | None = None
    recording: bool = False
    relay_mode: bool = False
    # Someone in the call said they are under 18: it is never recorded (issue 18).
    minor: bool = False


def iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


class Rooms(PeerHub):
    def __init__(self, core: CoreApp, cfg: CallConfig) -> None:
        super().__init__(core, cfg)
        self.rooms: dict[int, Room] = {}
        self.checks: set[ServerPeer] = set()
        self.status_check_s = cfg.status_check_s
        self.max_chat_messages = MAX_CHAT_MESSAGES
        # Group sessions' rooms (selective forwarding through the server, calls/group_room.py).
        self.groups = GroupRooms(core, cfg)
        self.groups.busy = lambda: self._server_peer_count() >= cfg.max_server_peers

    # ---- joining and leaving -------------------------------------------------------------
    async def join(
        self,
        booking_id: int,
        window: RoomWindow,
        names: dict[str, str],
        role: str,
        user_id: int,
        ws: web.WebSocketResponse,
        back: dict[str, str] | None = None,
    ) -> Seat:
        room = self.rooms.get(booking_id)
        if room is None:
            room = Room(booking_id, window, names, relay_mode=self.cfg.mode == "relay")
            self.rooms[booking_id] = room
            room.closer = self._spawn(self._close_at_end(room))
        now = self.core.clock.now()
        if not room.minor and await self.core.minors([user_id]):
            room.minor = True
        seat = Seat(
            booking_id=booking_id,
            role=role,
            user_id=user_id,
            name=names[role],
            ws=ws,
            joined_at=now,
        )
        old = room.seats.get(role)
        room.seats[role] = seat
        if old is not None:
            # A second tab (or a reconnect) of the same person takes the seat over.
            old.gone = True
            await self._send(old, {"type": "replaced"})
            await self._close_peer(old)
            await self._close_socket(old, CLOSE_REPLACED, b"replaced by another tab")
        await self._record(seat, "join", "replaced an earlier tab" if old else "")
        other = self._other(room, seat)
        await self._send(
            seat,
            {
                "type": "welcome",
                "chat": await self._chat_so_far(room),
                "back": back or {},
                "you": {"role": role, "name": seat.name},
                "peer": {"role": other.role, "name": other.name} if other else None,
                "partner_name": names["learner" if role == "mentor" else "mentor"],
                "ice_servers": self.ice_for(user_id),
                "mode": "relay" if room.relay_mode else "p2p",
                "now": iso(now),
                "starts_at": iso(window.starts_at),
                "ends_at": iso(window.ends_at),
                "closes_at": iso(window.closes_at),
                "recording": room.recording,
                "recording_allowed": self.cfg.recording and not room.minor,
            },
        )
        if other is not None:
            await self._send(other, {"type": "peer-joined", "from": role, "name": seat.name})
        return seat

    async def leave(self, seat: Seat, reason: str) -> None:
        """Whoever stays is told at once what the leaving means: a hang-up after the start
        of a call both joined ends the session for both (rating follows); any other leaving
        keeps the session on, and the one who left may rejoin until the room closes."""
        room = self.rooms.get(seat.booking_id)
        # The bookkeeping happens at once, before any await, so a cancelled leave can't
        # leave a half-empty room behind.
        mine = not seat.gone and room is not None and room.seats.get(seat.role) is seat
        if mine and room is not None:
            seat.gone = True
            del room.seats[seat.role]
            if not room.seats:
                self._drop(room)
        await self._close_peer(seat)
        if not mine or room is None:
            return  # replaced: the new tab holds the seat
        await self._record(seat, "leave", reason)
        ended = False
        if reason == "hangup" and self.core.clock.now() >= room.window.starts_at:
            ended = await self._complete_after_call(seat.booking_id)
        other = self._other(room, seat)
        # The room closing (time up, cancelled) tells everyone itself with "closed".
        over = ended or reason in ("time", "cancelled", "ended")
        still_on = {
            "session": "ended" if over else "on",
            "starts_at": iso(room.window.starts_at),
            "rejoin_until": iso(room.window.closes_at),
        }
        if reason == "hangup":
            await self._send(seat, {"type": "left", **still_on})
        if other is not None:
            await self._send(
                other,
                {"type": "peer-left", "from": seat.role, "reason": reason, **still_on},
            )
            if other.peer is not None:
                other.peer.feed_from(None)
        if ended:
            for s in (seat, other):
                if s is not None:
                    await self._send(s, {"type": "closed", "reason": "completed", "by": seat.role})
            if other is not None:
                await self.leave(other, "ended")
                await self._close_socket(other, CLOSE_TIME_UP, b"session over")

    # ---- messages --------------------------------------------------------------------------
    async def handle(self, seat: Seat, msg: Any) -> None:
        room = self.rooms.get(seat.booking_id)
        if room is None or seat.gone:
            return
        try:
            await self._dispatch(room, seat, msg)
        except Refused as e:
            await self.refuse(seat, str(e))

    async def _dispatch(self, room: Room, seat: Seat, msg: Any) -> None:
        kind = check_message(msg)
        other = self._other(room, seat)
        if kind == "signal":
            data = msg.get("data")
            if not isinstance(data, dict) or len(str(data)) > MAX_SIGNAL:
                raise Refused("signal needs a data object")
            if other is None:
                raise Refused("nobody else is in the room yet")
            await self._send(other, {"type": "signal", "from": seat.role, "data": data})
        elif kind == "chat":
            text = msg.get("text")
            if not isinstance(text, str) or not text.strip():
                raise Refused("chat needs text")
            # Kept with the booking before anyone sees it: a reload shows the same chat.
            async with self.core.uow() as u:
                if await message_count(u.session, seat.booking_id) >= self.max_chat_messages:
                    raise Refused(f"this room's chat is full ({self.max_chat_messages} messages)")
                kept = await add_message(
                    u.session, seat.booking_id, seat.user_id, seat.role, text[:MAX_CHAT], u.now
                )
                out = self._chat_out(room, kept.role, kept.text, kept.at)
            for s in list(room.seats.values()):
                await self._send(s, out)
        elif kind == "ice":
            state = msg.get("state")
            if state not in ICE_STATES:
                raise Refused("unknown ICE state")
            await self._record(seat, "ice", str(state))
            if other is not None:
                await self._send(other, {"type": "peer-ice", "from": seat.role, "state": state})
        elif kind == "consent":
            seat.consent = bool(msg.get("record"))
            await self._record(seat, "consent", "yes" if seat.consent else "no")
            await self._consent(seat)
            for s in list(room.seats.values()):
                await self._send(s, {"type": "consent", "from": seat.role, "record": seat.consent})
            await self._update_recording(room)
        elif kind == "relay":
            # P2P failed for this browser: both switch to the server peer.
            if not room.relay_mode:
                room.relay_mode = True
                for s in list(room.seats.values()):
                    await self._send(s, {"type": "mode", "mode": "relay"})
        elif kind == "server":
            await self._server_offer(room, seat, msg)
        elif kind == "hangup":
            await self.leave(seat, "hangup")
            await self._close_socket(seat, CLOSE_HANGUP, b"hung up")
        elif kind == "ping":
            await self._send(seat, {"type": "pong", "t": msg.get("t")})
        else:
            raise Refused(f"unknown message type {kind[:20]!r}")

    async def _server_offer(self, room: Room, seat: Seat, msg: dict[str, Any]) -> None:
        sdp = msg.get("sdp")
        purpose = msg.get("purpose")
        if not isinstance(sdp, str) or len(sdp) > MAX_SIGNAL:
            raise Refused("server offer needs sdp")
        if purpose == "relay" and not room.relay_mode:
            raise Refused("this room is peer-to-peer")
        if purpose == "upload" and not room.recording:
            raise Refused("recording is off")
        if purpose not in ("relay", "upload"):
            raise Refused("purpose is relay or upload")
        if self._server_peer_count() >= self.cfg.max_server_peers:
            raise Refused("the server is busy; try again in a minute")
        await self._close_peer(seat)

        async def on_state(state: str) -> None:
            await self._record(seat, "ice", f"server:{state}")

        peer = self._server_peer(purpose, self.ice_for(seat.user_id), on_state)
        if seat.gone:  # left while the earlier peer was being closed: nobody holds this one
            return await self._close(peer)
        seat.peer = peer
        peer_record = self._recording_path(room, seat) if room.recording else None
        peer.record_to = peer_record
        answer = await peer.answer(sdp)
        if seat.peer is not peer:  # left (or was replaced) while the answer was made
            return await self._close(peer)
        if peer_record is not None and peer.recorder is not None:
            await self._record(seat, "recording", peer_record.name)
        other = self._other(room, seat)
        if purpose == "relay":
            peer.feed_from(other.peer if other else None)
            if other is not None and other.peer is not None:
                other.peer.feed_from(peer)
        await self._send(seat, {"type": "server", "sdp": answer.sdp, "kind": answer.type})

    async def _update_recording(self, room: Room) -> None:
        both = len(room.seats) == 2 and all(s.consent for s in room.seats.values())
        want = both and self.cfg.recording and not room.minor
        if want == room.recording:
            return
        room.recording = want
        for s in list(room.seats.values()):
            if not want and s.peer is not None:
                await s.peer.stop_recording()
                if s.peer.purpose == "upload":
                    await self._close_peer(s)
            elif want and s.peer is not None and s.peer.purpose == "relay":
                path = self._recording_path(room, s)
                await s.peer.start_recording(path)
                await self._record(s, "recording", path.name)
            await self._send(s, {"type": "recording", "on": want})

    def _recording_path(self, room: Room, seat: Seat) -> Any:
        stamp = self.core.clock.now().strftime("%Y%m%dT%H%M%S")
        folder = self.cfg.data_dir / "recordings" / f"booking-{room.booking_id}"
        return folder / f"{stamp}-{seat.role}-{int(time.time() * 1000) % 100000}.mp4"

    def _server_peer(
        self,
        purpose: str,
        ice: list[dict[str, Any]],
        on_state: Callable[[str], Awaitable[None]] | None = None,
    ) -> ServerPeer:
        relay = self.relay()  # aiortc imported here, at the first server peer

        from calls.peer import ServerPeer

        peer = ServerPeer(purpose, ice, relay, on_state=on_state)
        self.peers.add(peer)
        return peer

    # ---- device check ------------------------------------------------------------------------
    async def echo(self, sdp: str, user_id: int) -> Any:
        if self._server_peer_count() >= self.cfg.max_server_peers:
            raise Refused("the server is busy; try again in a minute")
        peer = self._server_peer("echo", self.ice_for(user_id))
        self.checks.add(peer)
        answer = await peer.answer(sdp)
        self._spawn(self._end_check(peer))
        return answer

    async def _end_check(self, peer: ServerPeer) -> None:
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(peer.closed.wait(), self.cfg.echo_seconds)
        finally:
            await self._close(peer)
            self.checks.discard(peer)

    # ---- closing ---------------------------------------------------------------------------
    async def _close_at_end(self, room: Room) -> None:
        """Close the room at end + grace, or sooner if the booking stops being on (a no-show
        cancellation, an admin): checked every `status_check_s` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + (room.window.closes_at - self.core.clock.now()).total_seconds()
        reason = "time"
        while (left := deadline - loop.time()) > 0:
            await asyncio.sleep(min(left, self.status_check_s))
            async with self.core.uow() as u:
                b = await u.session.get(Booking, room.booking_id)
                if b is None or b.status != "confirmed":
                    reason = "cancelled"
                    break
        for seat in list(room.seats.values()):
            await self._send(seat, {"type": "closed", "reason": reason})
            await self.leave(seat, reason)
            await self._close_socket(seat, CLOSE_TIME_UP, b"session over")
        self._drop(room)

    def _drop(self, room: Room) -> None:
        self._forget(self.rooms, room.booking_id, room)

    async def close_all(self) -> None:
        """Shutdown: every room, every socket, every peer connection."""
        await self.groups.close_all()
        for room in list(self.rooms.values()):
            for seat in list(room.seats.values()):
                seat.gone = True
                await self._close_peer(seat)
                await self._close_socket(seat, WSCloseCode.GOING_AWAY, b"server shutdown")
            self._drop(room)
        for peer in list(self.checks):
            await self._close(peer)
        self.checks.clear()
        await self._finish()

    # ---- helpers ---------------------------------------------------------------------------
    def _chat_out(self, room: Room, role: str, text: str, at: datetime) -> dict[str, Any]:
        return {"type": "chat", "from": role, "name": room.names[role], "text": text, "at": iso(at)}

    async def _chat_so_far(self, room: Room) -> list[dict[str, Any]]:
        async with self.core.uow() as u:
            kept = await messages_of(u.session, room.booking_id)
            return [self._chat_out(room, m.role, m.text, m.at) for m in kept]

    def _other(self, room: Room, seat: Seat) -> Seat | None:
        return room.seats.get("learner" if seat.role == "mentor" else "mentor")

    def _server_peer_count(self) -> int:
        live = sum(1 for r in self.rooms.values() for s in r.seats.values() if s.peer)
        return live + len(self.checks) + self.groups.peer_count()

    async def _consent(self, seat: Seat) -> None:
        """Every recording consent given or withdrawn is kept with its time (issue 18)."""
        try:
            async with self.core.uow() as u:
                await u.privacy.record_consent(
                    seat.user_id,
                    "recording",
                    RECORDING_CONSENT_VERSION,
                    given=seat.consent,
                    detail=f"booking {seat.booking_id}",
                )
        except Exception:
            log.exception("could not store a recording consent")

    async def _complete_after_call(self, booking_id: int) -> bool:
        """Whether the session is over now: completed by this hang-up, or by the other's
        hang-up a moment before (both hung up at once)."""
        # u.bookings carries the money service, so completing here pays the mentor and the
        # platform exactly as the scheduler's completion does.
        try:
            async with self.core.uow() as u:
                if await u.bookings.complete_after_call(booking_id):
                    return True
        except Exception:
            log.exception("could not complete booking %s after the call", booking_id)
        async with self.core.uow() as u:
            b = await u.session.get(Booking, booking_id)
            return b is not None and b.status == "completed"
