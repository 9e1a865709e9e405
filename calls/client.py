"""A Python room participant over the real signaling protocol (tests, the benchmark, and a
headless participant): aiortc media, a test-pattern camera, data-channel chat."""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import time
from typing import Any

import aiohttp
import numpy as np
from aiortc import (
    MediaStreamTrack,
    RTCDataChannel,
    RTCIceCandidate,
    RTCPeerConnection,
    RTCSessionDescription,
)
from aiortc.mediastreams import VIDEO_CLOCK_RATE
from aiortc.sdp import candidate_from_sdp
from av import VideoFrame

from calls.peer import rtc_config


class PatternTrack(MediaStreamTrack):
    """A moving test pattern at a given size and frame rate (a camera for machines)."""

    kind = "video"

    def __init__(self, width: int = 320, height: int = 240, fps: int = 30) -> None:
        super().__init__()
        self.width, self.height, self.fps = width, height, fps
        self._n = 0
        self._start: float | None = None
        y, x = np.mgrid[0:height, 0:width]
        self._base = np.stack([(x * 255 // max(1, width)), (y * 255 // max(1, height))], -1)

    async def recv(self) -> VideoFrame:
        if self._start is None:
            self._start = time.monotonic()
        else:
            await asyncio.sleep(max(0.0, self._start + self._n / self.fps - time.monotonic()))
        shift = (self._n * 4) % 256
        img = np.empty((self.height, self.width, 3), dtype=np.uint8)
        img[..., 0] = (self._base[..., 0] + shift) % 256
        img[..., 1] = self._base[..., 1]
        img[..., 2] = shift
        frame = VideoFrame.from_ndarray(img, format="bgr24")
        frame.pts = int(self._n * VIDEO_CLOCK_RATE / self.fps)
        frame.time_base = fractions.Fraction(1, VIDEO_CLOCK_RATE)
        self._n += 1
        return frame


class RoomClient:
    """Joins `/room/ws` with a room token; answers or makes offers like the room page."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        origin: str | None = None,
        video: MediaStreamTrack | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.token = token
        self.origin = origin if origin is not None else self.base_url
        self.video = video
        self.http: aiohttp.ClientSession | None = None
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.pc: RTCPeerConnection | None = None
        self.welcome: dict[str, Any] = {}
        self.inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
        self.chat: asyncio.Queue[str] = asyncio.Queue()
        self.channel: RTCDataChannel | None = None
        self.connected = asyncio.Event()
        self.close_code: int | None = None
        self._reader: asyncio.Task[None] | None = None

    async def open(self) -> dict[str, Any]:
        self.http = aiohttp.ClientSession()
        headers = {"Origin": self.origin} if self.origin else {}
        self.ws = await self.http.ws_connect(
            f"{self.base_url}/room/ws", params={"token": self.token}, headers=headers
        )
        self._reader = asyncio.create_task(self._read())
        self.welcome = await self.expect("welcome")
        return self.welcome

    async def send(self, msg: dict[str, Any]) -> None:
        assert self.ws is not None
        await self.ws.send_json(msg)

    async def expect(self, kind: str, within: float = 10.0) -> dict[str, Any]:
        """The next message of this kind (others before it are dropped)."""
        async with asyncio.timeout(within):
            while True:
                msg = await self.inbox.get()
                if msg.get("type") == kind:
                    return msg

    async def _read(self) -> None:
        assert self.ws is not None
        async for msg in self.ws:
            if msg.type != aiohttp.WSMsgType.TEXT:
                continue
            body = msg.json()
            if body.get("type") == "signal":
                await self._on_signal(body["data"])
            elif body.get("type") == "server" and self.pc is not None:
                await self.pc.setRemoteDescription(RTCSessionDescription(body["sdp"], "answer"))
            await self.inbox.put(body)
        self.close_code = self.ws.close_code
        await self.inbox.put({"type": "_closed", "code": self.ws.close_code})

    def _new_pc(self) -> RTCPeerConnection:
        pc = RTCPeerConnection(rtc_config(self.welcome.get("ice_servers", [])))
        self.pc = pc
        if self.video is not None:
            pc.addTrack(self.video)

        @pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            self.tracks.put_nowait(track)

        @pc.on("datachannel")
        def on_channel(channel: RTCDataChannel) -> None:
            self._use_channel(channel)

        @pc.on("iceconnectionstatechange")
        async def on_ice() -> None:
            state = pc.iceConnectionState
            if state in ("connected", "completed"):
                self.connected.set()
            with contextlib.suppress(Exception):
                await self.send({"type": "ice", "state": state})

        return pc

    def _use_channel(self, channel: RTCDataChannel) -> None:
        self.channel = channel

        @channel.on("message")
        def on_message(message: object) -> None:
            if isinstance(message, str):
                self.chat.put_nowait(message)

    async def offer(self) -> None:
        """Make the offer (the page does this when it joins second)."""
        pc = self._new_pc()
        self._use_channel(pc.createDataChannel("chat"))
        await pc.setLocalDescription(await pc.createOffer())
        desc = pc.localDescription
        await self.send({"type": "signal", "data": {"description": _desc(desc)}})

    async def via_server(self, purpose: str = "relay") -> None:
        """Connect to the server peer instead (relay mode, or the upload for a recording)."""
        pc = self._new_pc()
        await pc.setLocalDescription(await pc.createOffer())
        await self.send({"type": "server", "purpose": purpose, "sdp": pc.localDescription.sdp})

    async def via_group(self) -> None:
        """Join a group room's forwarding unit: own video out, and one receiving video slot
        per other participant the room can hold (the welcome's `slots`)."""
        pc = self._new_pc()
        slots = int(self.welcome.get("slots", 1))
        for _ in range(max(0, slots - (1 if self.video is not None else 0))):
            pc.addTransceiver("video", direction="recvonly")
        await pc.setLocalDescription(await pc.createOffer())
        await self.send({"type": "server", "sdp": pc.localDescription.sdp})

    async def _on_signal(self, data: dict[str, Any]) -> None:
        desc = data.get("description")
        if isinstance(desc, dict):
            if desc["type"] == "offer":
                pc = self._new_pc()
                await pc.setRemoteDescription(RTCSessionDescription(desc["sdp"], "offer"))
                await pc.setLocalDescription(await pc.createAnswer())
                await self.send(
                    {"type": "signal", "data": {"description": _desc(pc.localDescription)}}
                )
            elif self.pc is not None:
                await self.pc.setRemoteDescription(RTCSessionDescription(desc["sdp"], "answer"))
        cand = data.get("candidate")
        if isinstance(cand, dict) and cand.get("candidate") and self.pc is not None:
            line = str(cand["candidate"]).removeprefix("candidate:")
            ice: RTCIceCandidate = candidate_from_sdp(line)
            ice.sdpMid = cand.get("sdpMid")
            ice.sdpMLineIndex = cand.get("sdpMLineIndex")
            with contextlib.suppress(Exception):
                await self.pc.addIceCandidate(ice)

    async def close(self) -> None:
        if self.pc is not None:
            await self.pc.close()
        if self.video is not None:
            self.video.stop()
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        if self.http is not None:
            await self.http.close()


def _desc(desc: RTCSessionDescription) -> dict[str, str]:
    return {"type": desc.type, "sdp": desc.sdp}


async def echo_check(
    base_url: str, token: str, video: MediaStreamTrack, *, pings: int = 5
) -> tuple[RTCPeerConnection, MediaStreamTrack, list[float]]:
    """The device check from Python: returns the connection, the echoed track, and
    data-channel round trips in milliseconds."""
    pc = RTCPeerConnection(rtc_config([]))
    pc.addTrack(video)
    channel = pc.createDataChannel("ping")
    tracks: asyncio.Queue[MediaStreamTrack] = asyncio.Queue()
    pongs: asyncio.Queue[float] = asyncio.Queue()
    pc.on("track", tracks.put_nowait)

    @channel.on("message")
    def on_message(message: object) -> None:
        import json

        if isinstance(message, str):
            body = json.loads(message)
            if body.get("type") == "pong":
                pongs.put_nowait(time.perf_counter() * 1000 - float(body["t"]))

    await pc.setLocalDescription(await pc.createOffer())
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            f"{base_url.rstrip('/')}/room/check/offer",
            json={"token": token, "sdp": pc.localDescription.sdp},
            headers={"Origin": base_url.rstrip("/")},
        ) as resp,
    ):
        body = await resp.json()
        if resp.status != 200:
            await pc.close()
            raise RuntimeError(f"echo check refused: {resp.status} {body}")
    await pc.setRemoteDescription(RTCSessionDescription(body["sdp"], body["type"]))
    track = await asyncio.wait_for(tracks.get(), 10)
    opened = asyncio.Event()
    if channel.readyState == "open":
        opened.set()
    channel.on("open", opened.set)
    await asyncio.wait_for(opened.wait(), 10)
    rtts: list[float] = []
    import json

    for _ in range(pings):
        channel.send(json.dumps({"type": "ping", "t": time.perf_counter() * 1000}))
        rtts.append(await asyncio.wait_for(pongs.get(), 5))
    return pc, track, rtts
