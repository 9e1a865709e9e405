"""A deliberately rude HTTP/WebSocket client on raw TCP: it sends a request (and maybe
WebSocket frames) and then resets the connection without reading the answer, as a browser
tab closed mid-load or a dropped mobile connection does."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import struct
from collections.abc import Mapping


def request(
    method: str, path: str, host: str, headers: Mapping[str, str] = {}, body: bytes = b""
) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if body or method == "POST":
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


def upgrade(path: str, host: str, headers: Mapping[str, str] = {}) -> bytes:
    """A WebSocket opening handshake."""
    key = base64.b64encode(os.urandom(16)).decode()
    ws = {
        "Upgrade": "websocket",
        "Connection": "Upgrade",
        "Sec-WebSocket-Key": key,
        "Sec-WebSocket-Version": "13",
        **headers,
    }
    return request("GET", path, host, ws)


def text_frame(text: str) -> bytes:
    """One masked (client-to-server) text frame."""
    payload = text.encode()
    mask = os.urandom(4)
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x81, 0x80 | n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x81, 0x80 | 126, n)
    else:
        head = struct.pack("!BBQ", 0x81, 0x80 | 127, n)
    return head + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


async def send_and_reset(host: str, port: int, data: bytes, *, wait_s: float = 0.0) -> None:
    """Send `data`, optionally wait a moment (so the server is mid-answer), then RST."""
    reader, writer = await asyncio.open_connection(host, port)
    writer.write(data)
    await writer.drain()
    if wait_s:
        await asyncio.sleep(wait_s)
    sock = writer.get_extra_info("socket")
    # SO_LINGER 0: close() sends a RST instead of a FIN, so the server's next write fails.
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()
    del reader
