"""A WebSocket client for the web chat protocol, as the browser speaks it."""

from __future__ import annotations

from typing import Any

import aiohttp


class WebChatClient:
    def __init__(self, base: str) -> None:
        self.base = base
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))
        self.ws: aiohttp.ClientWebSocketResponse | None = None
        self.messages: list[dict[str, Any]] = []
        self.last: list[dict[str, Any]] = []

    async def open(self, path: str = "/chat", last_seq: int = 0) -> list[dict[str, Any]]:
        async with self.session.get(self.base + path) as resp:
            assert resp.status == 200, resp.status
            await resp.text()
        self.ws = await self.session.ws_connect(
            self.base.replace("http", "ws") + "/ws", headers={"Origin": self.base}
        )
        await self.ws.send_json({"type": "hello", "last_seq": last_seq})
        return await self._collect()

    async def _collect(self) -> list[dict[str, Any]]:
        """Read until the server says the input was answered: `done` ends every answer,
        the replay after hello included."""
        assert self.ws is not None
        got: list[dict[str, Any]] = []
        while True:
            msg = await self.ws.receive_json(timeout=15)
            if msg["type"] == "done":
                break
            if msg["type"] == "message":
                got.append(msg)
                self.messages.append(msg)
        self.last = [m for m in got if m["role"] == "bot"]
        return got

    async def say(self, text: str) -> list[dict[str, Any]]:
        assert self.ws is not None
        await self.ws.send_json({"type": "text", "text": text})
        return await self._collect()

    async def press(self, label: str) -> list[dict[str, Any]]:
        assert self.ws is not None
        for m in reversed(self.last):
            options = [b for row in m["buttons"] for b in row]
            if m.get("choices"):
                options += m["choices"]["options"]
            for b in options:
                if "payload" in b and label.casefold() in b["label"].casefold():
                    await self.ws.send_json(
                        {"type": "action", "payload": b["payload"], "label": b["label"]}
                    )
                    return await self._collect()
        labels = [b["label"] for m in self.last for row in m["buttons"] for b in row]
        raise AssertionError(f"no button like {label!r}; have {labels}")

    def text(self) -> str:
        return "\n".join(m["text"] for m in self.last)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        await self.session.close()
