"""Live pushes across workers (issue 21, parts 1 and 4), over Redis pub/sub.

Web sockets are held by whichever worker a person's page connected to, while the work that
produces a message may run on any worker. Each worker publishes what it pushes and pushes
what the others publish to the sockets it holds:

- "chat": a web chat transcript entry (a notification, or an answer seen in another tab);
- "room": a community message written, edited or deleted (the web rooms at /c/{slug});
- "model": a matching model version published (matching/sync.py: the others load it).

Pub/sub is fire-and-forget, which is enough: the database is the record, and a page that
missed something gets it when it reconnects (the chat's hello with its last seq, the
room's history).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], Awaitable[None]]


class RedisFanout:
    def __init__(self, redis: Redis, channel: str, origin: str) -> None:
        self.redis = redis
        self.channel = channel
        self.origin = origin
        self._handlers: dict[str, Handler] = {}

    def on(self, kind: str, handler: Handler) -> None:
        self._handlers[kind] = handler

    async def _publish(self, kind: str, body: dict[str, Any]) -> None:
        await self.redis.publish(
            self.channel, json.dumps({"from": self.origin, "kind": kind, **body})
        )

    # bots.web.bot.Fanout
    async def publish(self, web_id: str, messages: list[dict[str, Any]]) -> None:
        await self._publish("chat", {"to": web_id, "messages": messages})

    # a core.relay listener: called after commit for every community message written here
    async def room_written(self, community_id: int, message_id: int) -> None:
        try:
            await self._publish("room", {"community": community_id, "message": message_id})
        except Exception:  # written already: a room page reloads its history
            log.warning("could not publish a room message to the other workers", exc_info=True)

    # matching.sync.Announce
    async def model_published(self, version: int) -> None:
        await self._publish("model", {"version": version})

    async def run(self, ready: asyncio.Event | None = None) -> None:
        """Deliver what other workers publish, until cancelled; resubscribes after Redis
        comes back."""
        while True:
            try:
                async with self.redis.pubsub() as sub:
                    await sub.subscribe(self.channel)
                    if ready is not None:
                        ready.set()
                    async for msg in sub.listen():
                        if msg.get("type") == "message":
                            await self._one(msg["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("fan-out: Redis subscription lost; retrying", exc_info=True)
                await asyncio.sleep(2.0)

    async def _one(self, data: bytes | str) -> None:
        try:
            body = json.loads(data)
            if body["from"] == self.origin:
                return
            handler = self._handlers.get(body["kind"])
        except (ValueError, KeyError, TypeError):
            log.warning("fan-out: a malformed message was ignored")
            return
        if handler is None:
            return
        try:
            await handler(body)
        except Exception:
            log.exception("fan-out: a %s message failed here", body.get("kind"))


async def chat_from(
    push: Callable[[str, list[dict[str, Any]]], Awaitable[None]], body: dict[str, Any]
) -> None:
    await push(str(body["to"]), list(body["messages"]))


async def room_from(push: Callable[[int, int], Awaitable[None]], body: dict[str, Any]) -> None:
    await push(int(body["community"]), int(body["message"]))


async def model_from(load: Callable[[int], Awaitable[None]], body: dict[str, Any]) -> None:
    await load(int(body["version"]))
