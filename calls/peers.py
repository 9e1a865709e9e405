"""What the 1:1 rooms (calls/rooms.py) and the group rooms (calls/group_room.py) share: the
person in a room with their socket and server peer, and a hub base that keeps the registry
of server peers and background tasks, sends, stores join records and closes peers so that
no aiortc thread outlives the app. Each room kind keeps its own rules of joining, leaving
and which messages it takes."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from aiohttp import web

from calls.config import CallConfig
from calls.turn import ice_servers
from core.app import CoreApp
from core.booking.joins import record

if TYPE_CHECKING:
    from aiortc.contrib.media import MediaRelay

    from calls.peer import ServerPeer

log = logging.getLogger(__name__)

MAX_CHAT = 2000
CLOSE_REPLACED = 4001
CLOSE_TIME_UP = 4002
CLOSE_HANGUP = 4003

P = TypeVar("P", bound="ServerPeer")


class Refused(Exception):
    """A message the server won't relay; the reason goes back to the sender."""


@dataclass(eq=False, kw_only=True)
class Participant(Generic[P]):
    """One person's socket in a room, and the server peer their media goes through."""

    user_id: int
    role: str
    name: str
    ws: web.WebSocketResponse
    # The bookings this person's join records go on.
    bookings: tuple[int, ...] = ()
    peer: P | None = None
    gone: bool = False


class _Room(Protocol):
    closer: asyncio.Task[None] | None


def check_message(msg: Any) -> str:
    """The type of a message from a client; the sender is always set by the server."""
    if not isinstance(msg, dict) or not isinstance(msg.get("type"), str):
        raise Refused("messages are JSON objects with a type")
    if "from" in msg:
        raise Refused("the sender is set by the server")
    return str(msg["type"])


class PeerHub:
    def __init__(self, core: CoreApp, cfg: CallConfig) -> None:
        self.core = core
        self.cfg = cfg
        # Every server peer made here until its close has run to the end, whoever holds it
        # (a person, or nobody: one who left while it was being made). Shutdown closes and
        # waits for all of them.
        self.peers: set[ServerPeer] = set()
        self._relay: MediaRelay | None = None
        self._tasks: set[asyncio.Task[Any]] = set()

    def ice_for(self, user_id: int) -> list[dict[str, Any]]:
        return ice_servers(
            self.cfg.stun_urls,
            self.cfg.turn_urls,
            self.cfg.turn_secret,
            f"u{user_id}",
            int(self.core.clock.now().timestamp()),
            self.cfg.turn_ttl_s,
        )

    def relay(self) -> MediaRelay:
        # aiortc (PyAV, cryptography, dnspython under it) cost ~0.25 s of CPU at every start
        # (bench/startup.py), and only a call through the server needs it: a P2P call is
        # signaling alone. So it is imported at the first server peer, not at start.
        from aiortc.contrib.media import MediaRelay

        if self._relay is None:
            self._relay = MediaRelay()
        return self._relay

    async def refuse(self, p: Participant[Any], reason: str) -> None:
        await self._send(p, {"type": "error", "reason": reason})

    async def _send(self, p: Participant[Any], msg: dict[str, Any]) -> None:
        if p.ws.closed:
            return
        with contextlib.suppress(ConnectionError, RuntimeError):
            await p.ws.send_json(msg)

    async def _close_socket(self, p: Participant[Any], code: int, message: bytes) -> None:
        with contextlib.suppress(Exception):
            await p.ws.close(code=code, message=message)

    async def _record(self, p: Participant[Any], kind: str, detail: str = "") -> None:
        try:
            async with self.core.uow() as u:
                for booking_id in p.bookings:
                    await record(u.session, booking_id, p.user_id, p.role, kind, u.now, detail)
        except Exception:
            log.exception("could not store a room event")

    async def _close_peer(self, p: Participant[Any]) -> None:
        peer, p.peer = p.peer, None
        if peer is not None:
            await self._close(peer)

    async def _close(self, peer: ServerPeer) -> None:
        # Off the registry when the close has run to its end, even if this caller is
        # cancelled first (aiohttp cancels the socket handler whose client went away).
        task = peer.closing()
        task.add_done_callback(lambda _: self.peers.discard(peer))
        await asyncio.shield(task)

    def _forget(self, rooms: dict[int, Any], key: int, room: _Room) -> None:
        """The room is off the registry and its closing timer stopped (unless it is the one
        running this)."""
        if rooms.get(key) is room:
            del rooms[key]
        task = room.closer
        if task is not None and task is not asyncio.current_task():
            task.cancel()

    async def _finish(self) -> None:
        """Shutdown's end: peers whose close began in a socket handler that aiohttp has since
        cancelled are still closing in their own task; wait for them, so no aiortc thread
        outlives us; then stop the background tasks."""
        for peer in list(self.peers):
            await self._close(peer)
        tasks = list(self._tasks)
        for t in tasks:
            t.cancel()
        for t in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
