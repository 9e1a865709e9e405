"""Web chat messages across workers (issue 21, part 4), over Redis pub/sub.

A notification is stored in the person's transcript by whichever worker delivers it; their
socket may be held by another worker. Each worker publishes what it pushes and pushes what
the others publish to the sockets it holds. Pub/sub is fire-and-forget, which is enough:
the transcript is the record, and a page that missed a message gets it on reconnect
(hello with its last seq).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from redis.asyncio import Redis

log = logging.getLogger(__name__)

Handler = Callable[[str, Sequence[dict[str, Any]]], Awaitable[None]]


class RedisFanout:
    def __init__(self, redis: Redis, channel: str, origin: str) -> None:
        self.redis = redis
        self.channel = channel
        self.origin = origin

    async def publish(self, web_id: str, messages: list[dict[str, Any]]) -> None:
        body = json.dumps({"from": self.origin, "to": web_id, "messages": messages})
        await self.redis.publish(self.channel, body)

    async def run(self, handler: Handler, ready: asyncio.Event | None = None) -> None:
        """Deliver what other workers publish, until cancelled; resubscribes after Redis
        comes back."""
        while True:
            try:
                async with self.redis.pubsub() as sub:
                    await sub.subscribe(self.channel)
                    if ready is not None:
                        ready.set()
                    async for msg in sub.listen():
                        if msg.get("type") != "message":
                            continue
                        await self._one(handler, msg["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("web fan-out: Redis subscription lost; retrying", exc_info=True)
                await asyncio.sleep(2.0)

    async def _one(self, handler: Handler, data: bytes | str) -> None:
        try:
            body = json.loads(data)
            if body["from"] == self.origin:
                return
            await handler(str(body["to"]), list(body["messages"]))
        except (ValueError, KeyError, TypeError):
            log.warning("web fan-out: a malformed message was ignored")
