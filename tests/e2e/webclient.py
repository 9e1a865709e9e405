"""A WebSocket client for the web chat protocol, as the browser speaks it (chat.js): every
text and action carries the page's own id, stays pending until the `done` with that id (or
its echo in a replay), and after a reconnect is sent again under the same id unless the
replay that answers hello showed its echo."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import aiohttp


@dataclass
class Pending:
    """A message sent whose `done` has not come back yet."""

    id: str
    frame: dict[str, Any]
    echo: str
    after_seq: int
    answers: list[dict[str, Any]] = field(default_factory=list)


class WebChatClient:
    def __init__(self, base: str) -> None:
        self.base = base
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.messages: list[dict[str, Any]] = []
        self.last: list[dict[str, Any]] = []
        self.pending: dict[str, Pending] = {}
        self.last_seq = 0
        # ids whose `done` said "duplicate": sent again, handled once
        self.duplicates: list[str] = []
        self.sent_ids: set[str] = set()
        # after reconnects: pending messages whose echo was in the replay / sent again
        self.in_replay = 0
        self.resent = 0

    async def open(self, path: str = "/chat", last_seq: int = 0) -> list[dict[str, Any]]:
        async with self.session.get(self.base + path) as resp:
            assert resp.status == 200, resp.status
            await resp.text()
        self.ws = await self.session.ws_connect(
            self.base.replace("http", "ws") + "/ws", headers={"Origin": self.base}
        )
        await self.ws.send_json({"type": "hello", "last_seq": last_seq})
        return await self._collect()

    async def reconnect(self) -> list[dict[str, Any]]:
        """As the page after its socket closed: hello with the last seq seen, the replay,
        then what is still pending and had no echo in it, sent again under its id. Returns
        the bot's messages that arrived (replay and answers)."""
        if self.ws is not None:
            await self.ws.close()
        got = await self.open(last_seq=self.last_seq)
        for p in list(self.pending.values()):
            if any(_echoes(p, m) for m in got):
                del self.pending[p.id]  # stored with its answer: handled
                self.in_replay += 1
        bots = [m for m in got if m["role"] == "bot"]
        for p in list(self.pending.values()):
            assert self.ws is not None
            await self.ws.send_json(p.frame)
            self.resent += 1
            bots += [m for m in await self._collect(p.id) if m["role"] == "bot"]
        self.last = bots
        return got

    async def _collect(self, wait_for: str | None = None) -> list[dict[str, Any]]:
        """Read until the server says the input was answered: `done` ends every answer,
        the replay after hello included (`wait_for`: the done with this id)."""
        assert self.ws is not None
        got: list[dict[str, Any]] = []
        while True:
            msg = await self.ws.receive_json(timeout=15)
            if msg["type"] == "done":
                done_id = msg.get("id")
                if done_id is not None:
                    self.pending.pop(done_id, None)
                    if msg.get("duplicate"):
                        self.duplicates.append(done_id)
                if wait_for is None or done_id == wait_for:
                    break
            if msg["type"] == "message":
                got.append(msg)
                self.messages.append(msg)
                self.last_seq = max(self.last_seq, int(msg["seq"]))
        self.last = [m for m in got if m["role"] == "bot"]
        return got

    async def send(self, frame: dict[str, Any], echo: str) -> list[dict[str, Any]]:
        """Sends a text or action under a new id and reads until its `done`."""
        return await self._collect(await self.send_only(frame, echo))

    async def send_only(self, frame: dict[str, Any], echo: str) -> str:
        """Sends a text or action under a new id, pending until its `done`; returns the id."""
        assert self.ws is not None
        msg_id = str(frame.setdefault("id", secrets.token_urlsafe(9)))
        self.pending[msg_id] = Pending(msg_id, frame, echo, self.last_seq)
        self.sent_ids.add(msg_id)
        await self.ws.send_json(frame)
        return msg_id

    async def say(self, text: str) -> list[dict[str, Any]]:
        return await self.send({"type": "text", "text": text}, text.strip())

    async def press(self, label: str) -> list[dict[str, Any]]:
        assert self.ws is not None
        for m in reversed(self.last):
            options = [b for row in m["buttons"] for b in row]
            if m.get("choices"):
                options += m["choices"]["options"]
            for b in options:
                if "payload" in b and label.casefold() in b["label"].casefold():
                    frame = {"type": "action", "payload": b["payload"], "label": b["label"]}
                    return await self.send(frame, f"» {b['label'][:80]}")
        labels = [b["label"] for m in self.last for row in m["buttons"] for b in row]
        raise AssertionError(f"no button like {label!r}; have {labels}")

    def text(self) -> str:
        return "\n".join(m["text"] for m in self.last)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self.session.close()


def _echoes(p: Pending, m: dict[str, Any]) -> bool:
    """The person's own line for `p` (chat.js matchPending): same text, after it was sent."""
    return m["role"] == "user" and int(m["seq"]) > p.after_seq and m["text"] == p.echo
