"""The aiortc server peer: echo (device check), relay (forward the other side's tracks) and
upload (receive only, for recording). One offer in, one complete answer out (no trickle:
aiortc gathers its candidates before it answers)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aiortc import (
    MediaStreamTrack,
    RTCBundlePolicy,
    RTCConfiguration,
    RTCDataChannel,
    RTCIceServer,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.contrib.media import MediaBlackhole, MediaRecorder, MediaRelay
from aiortc.mediastreams import MediaStreamError

log = logging.getLogger(__name__)

StateHook = Callable[[str], Awaitable[None]]


def rtc_config(servers: list[dict[str, Any]]) -> RTCConfiguration:
    """Always explicit: aiortc would otherwise use a public STUN server by default."""
    return RTCConfiguration(
        iceServers=[
            RTCIceServer(urls=s["urls"], username=s.get("username"), credential=s.get("credential"))
            for s in servers
        ]
    )


class ProxyTrack(MediaStreamTrack):
    """A track whose frames come from whatever source is attached now (the other person's
    track, which may arrive later or be replaced when they reconnect)."""

    def __init__(self, kind: str) -> None:
        super().__init__()
        self.kind = kind
        self._source: MediaStreamTrack | None = None
        self._ready = asyncio.Event()

    def attach(self, source: MediaStreamTrack) -> None:
        self._source = source
        self._ready.set()

    def detach(self) -> None:
        self._source = None
        self._ready.clear()

    def stop(self) -> None:
        super().stop()
        self._ready.set()

    async def recv(self) -> Any:
        while True:
            if self.readyState != "live":
                raise MediaStreamError
            await self._ready.wait()
            source = self._source
            if source is None:
                continue
            try:
                return await source.recv()
            except MediaStreamError:
                if self._source is source:
                    self.detach()


class ServerPeer:
    """One browser's connection to the server. `purpose` is echo, relay or upload."""

    max_bundle = False

    def __init__(
        self,
        purpose: str,
        ice: list[dict[str, Any]],
        relay: MediaRelay,
        *,
        on_state: StateHook | None = None,
        record_to: Path | None = None,
    ) -> None:
        self.purpose = purpose
        self.relay = relay
        config = rtc_config(ice)
        if self.max_bundle:
            config.bundlePolicy = RTCBundlePolicy.MAX_BUNDLE
        self.pc = RTCPeerConnection(config)
        self.incoming: dict[str, MediaStreamTrack] = {}
        self.outgoing: dict[str, ProxyTrack] = {}
        self.record_to = record_to
        self.recorder: MediaRecorder | None = None
        self._sink = MediaBlackhole()
        self.created = time.monotonic()
        self.closed = asyncio.Event()
        self._closing: asyncio.Task[None] | None = None
        self._on_state = on_state
        self.pc.on("track", self._on_track)
        self.pc.on("datachannel", self._on_datachannel)
        self.pc.on("iceconnectionstatechange", self._on_ice)

    def _on_track(self, track: MediaStreamTrack) -> None:
        self.incoming[track.kind] = track
        if self.purpose == "echo":
            self._out(track.kind).attach(self.subscribe(track))
        # Always one reader, so frames nobody forwards yet (alone in the room) don't pile up.
        self._sink.addTrack(self.subscribe(track))

    def subscribe(self, track: MediaStreamTrack) -> MediaStreamTrack:
        # Unbuffered: a slow or detached consumer holds the latest frame, not a backlog.
        return self.relay.subscribe(track, buffered=False)

    def _on_datachannel(self, channel: RTCDataChannel) -> None:
        @channel.on("message")
        def on_message(message: object) -> None:
            # The device check measures round trips with these: answer at once, unchanged,
            # plus the server's own clock for the page's figures.
            if isinstance(message, str) and message.startswith("{"):
                try:
                    body = json.loads(message)
                except ValueError:
                    return
                if isinstance(body, dict) and body.get("type") == "ping":
                    body["type"] = "pong"
                    body["server_ms"] = time.time() * 1000
                    channel.send(json.dumps(body))

    async def _on_ice(self) -> None:
        state = self.pc.iceConnectionState
        if self._on_state is not None:
            with contextlib.suppress(Exception):
                await self._on_state(state)
        if state in ("failed", "closed"):
            await self.close()

    def _out(self, kind: str) -> ProxyTrack:
        if kind not in self.outgoing:
            self.outgoing[kind] = ProxyTrack(kind)
        return self.outgoing[kind]

    async def answer(self, sdp: str) -> RTCSessionDescription:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        await self._sink.start()
        if self.purpose in ("echo", "relay"):
            for transceiver in self.pc.getTransceivers():
                if transceiver.kind in ("audio", "video"):
                    self.pc.addTrack(self._out(transceiver.kind))
        if self.record_to is not None and self.incoming:
            await self.start_recording(self.record_to)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription

    async def start_recording(self, path: Path) -> None:
        if self.recorder is not None or not self.incoming:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        recorder = MediaRecorder(str(path))
        for track in self.incoming.values():
            recorder.addTrack(self.subscribe(track))
        await recorder.start()
        self.recorder = recorder

    async def stop_recording(self) -> None:
        recorder, self.recorder = self.recorder, None
        if recorder is not None:
            with contextlib.suppress(Exception):
                await recorder.stop()

    def feed_from(self, other: ServerPeer | None) -> None:
        """Relay: send the other person's incoming tracks on this connection."""
        for kind, out in self.outgoing.items():
            source = other.incoming.get(kind) if other is not None else None
            if source is None:
                out.detach()
            else:
                out.attach(self.subscribe(source))

    async def close(self) -> None:
        """Close everything, to the end, once. The work runs in its own task: a caller that
        is cancelled meanwhile (aiohttp cancels socket handlers at shutdown, while their
        `finally` is closing this peer) must not stop it half way, with receivers never
        stopped and their non-daemon decoder threads left running after the loop is gone.
        Calling again waits for the same task."""
        await asyncio.shield(self.closing())

    def closing(self) -> asyncio.Task[None]:
        """The task closing this peer, started now if it wasn't."""
        if self._closing is None:
            self.closed.set()
            self._closing = asyncio.get_running_loop().create_task(self._shut())
        return self._closing

    @property
    def shut(self) -> bool:
        """Whether close() has run to its end (the connection and every track stopped)."""
        return self._closing is not None and self._closing.done()

    async def _shut(self) -> None:
        await self.stop_recording()
        with contextlib.suppress(Exception):
            await self._sink.stop()
        for out in self.outgoing.values():
            out.stop()
        try:
            await self.pc.close()
        except Exception:
            log.exception("closing a server peer connection failed")


class GroupPeer(ServerPeer):
    """One participant of a group room, for the selective forwarding unit: the browser sends
    its own tracks and offers one receiving slot per other participant and kind (the first
    sendrecv, the rest recvonly); the server fills a slot with a participant's forwarded
    track when they connect and empties it when they leave. No renegotiation: the slots are
    all in the first offer."""

    # aiortc's default (balanced) policy leaves a browser's second video slot on a transport
    # that BUNDLE then discards (audio, video, audio, video offers): it never sends there.
    max_bundle = True

    def __init__(
        self,
        ice: list[dict[str, Any]],
        relay: MediaRelay,
        *,
        on_state: StateHook | None = None,
    ) -> None:
        super().__init__("group", ice, relay, on_state=on_state)
        self.slots: dict[str, list[ProxyTrack]] = {}
        self.filled: dict[str, dict[int, int]] = {}  # kind -> source user id -> slot

    async def answer(self, sdp: str) -> RTCSessionDescription:
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp=sdp, type="offer"))
        await self._sink.start()
        for transceiver in self.pc.getTransceivers():
            if transceiver.kind in ("audio", "video"):
                slot = ProxyTrack(transceiver.kind)
                self.slots.setdefault(transceiver.kind, []).append(slot)
                self.pc.addTrack(slot)
        await self.pc.setLocalDescription(await self.pc.createAnswer())
        return self.pc.localDescription

    def forward(self, source_id: int, source: ServerPeer) -> None:
        """Send `source`'s incoming tracks on free slots of this connection."""
        for kind, track in source.incoming.items():
            taken = self.filled.setdefault(kind, {})
            if source_id in taken:
                self.slots[kind][taken[source_id]].attach(self.subscribe(track))
                continue
            free = [i for i in range(len(self.slots.get(kind, []))) if i not in taken.values()]
            if not free:
                log.warning("no free %s slot for participant %s", kind, source_id)
                continue
            taken[source_id] = free[0]
            self.slots[kind][free[0]].attach(self.subscribe(track))

    def unforward(self, source_id: int) -> None:
        for kind, taken in self.filled.items():
            slot = taken.pop(source_id, None)
            if slot is not None:
                self.slots[kind][slot].detach()

    async def _shut(self) -> None:
        for slots in self.slots.values():
            for s in slots:
                s.stop()
        await super()._shut()
