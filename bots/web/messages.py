"""Direct messages on the web at /messages (issue #16): the list of a person's threads and a
thread page, live over a WebSocket as the community room is (bots/web/rooms.py), with "seen"
marks, reporting, and files or voice recordings sent by an upload. The person is the web
identity of the cookie, linked to their account (/link) to see their threads."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlsplit

from aiohttp import BodyPartReader, WSMsgType, web

from bots.web.identity import guest_name, read_cookie
from bots.web.layout import render
from bots.web.limits import MAX_FRAME_BYTES
from bots.web.rooms import COOKIE, CSP, message_json
from core.app import CoreApp
from core.messaging import Actor
from core.services.dms import FILE_MAX_BYTES, DmError
from core.services.relay import TEXT_MAX, RoomMessage, Upload

log = logging.getLogger(__name__)


class WebMessages:
    def __init__(self, core: CoreApp, secret: bytes) -> None:
        self.core = core
        self.secret = secret
        # Per thread: each open page, its person and their user id (their own messages get
        # Edit and Delete).
        self.sockets: dict[int, set[tuple[web.WebSocketResponse, Actor, int]]] = {}
        self._unlisten = core.relay.listen_dms(self._written)

    def close(self) -> None:
        self._unlisten()

    def _actor(self, request: web.Request) -> Actor:
        web_id = read_cookie(self.secret, request.cookies.get(COOKIE))
        if web_id is None:
            raise web.HTTPFound("/chat")  # the chat page sets the cookie; /link from there
        return Actor("web", "web", web_id, guest_name(web_id))

    async def _thread(self, request: web.Request, actor: Actor) -> int:
        raw = request.match_info["id"]
        if not raw.isdigit() or len(raw) > 12 or not await self.core.dm_member(actor, int(raw)):
            raise web.HTTPNotFound(text="No such conversation.")
        return int(raw)

    @staticmethod
    def _headers(resp: web.Response) -> web.Response:
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        return resp

    async def index(self, request: web.Request) -> web.Response:
        actor = self._actor(request)
        threads = await self.core.dm_threads(actor)
        return self._headers(render(request, "messages.html", {"threads": threads}))

    async def page(self, request: web.Request) -> web.Response:
        actor = self._actor(request)
        thread = await self._thread(request, actor)
        name, _, _ = await self.core.dm_history(actor, thread)
        return self._headers(
            render(request, "thread.html", {"thread": thread, "name": name, "max": FILE_MAX_BYTES})
        )

    async def upload(self, request: web.Request) -> web.Response:
        """A file or a voice recording (multipart field "file", optional "text")."""
        actor = self._actor(request)
        origin = request.headers.get("Origin")
        if origin is None or urlsplit(origin).netloc != request.host:
            raise web.HTTPForbidden(text="Cross-site upload refused.")
        thread = await self._thread(request, actor)
        if (request.content_length or 0) > FILE_MAX_BYTES + 64 * 1024:
            raise web.HTTPRequestEntityTooLarge(
                max_size=FILE_MAX_BYTES, actual_size=request.content_length or 0
            )
        reader = await request.multipart()
        text, upload = "", None
        async for part in reader:
            if not isinstance(part, BodyPartReader):
                continue
            if part.name == "text":
                text = (await part.text())[:TEXT_MAX]
            elif part.name == "file":
                data = bytearray()
                while chunk := await part.read_chunk(64 * 1024):
                    data.extend(chunk)
                    if len(data) > FILE_MAX_BYTES:
                        raise web.HTTPRequestEntityTooLarge(
                            max_size=FILE_MAX_BYTES, actual_size=len(data)
                        )
                name = part.filename or "file"
                mime = part.headers.get("Content-Type", "application/octet-stream")
                upload = Upload(name, mime, bytes(data))
        try:
            mid = await self.core.dm_say_web(actor, thread, text, upload=upload)
        except DmError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"id": mid})

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        actor = self._actor(request)
        thread = await self._thread(request, actor)
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != request.host:
            raise web.HTTPForbidden(text="Cross-site WebSocket refused.")
        ws = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_FRAME_BYTES)
        try:
            await ws.prepare(request)
        except ConnectionError:
            return ws
        me = await self.core.dm_me(actor)
        conns = self.sockets.setdefault(thread, set())
        conns.add((ws, actor, me))
        try:
            name, msgs, seen = await self.core.dm_history(actor, thread)
            await _send(ws, {"type": "thread", "name": name})
            for m in msgs:
                await _send(ws, _json(m, me))
            await _send(ws, {"type": "seen", "id": seen})
            await _send(ws, {"type": "done"})
            if msgs:
                await self.core.dm_seen(actor, thread, msgs[-1].id)
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._frame(ws, actor, thread, msg.data)
        finally:
            conns.discard((ws, actor, me))
            if not conns:
                self.sockets.pop(thread, None)
        return ws

    async def _frame(self, ws: web.WebSocketResponse, actor: Actor, thread: int, raw: str) -> None:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, dict):
            await _send(ws, {"type": "error", "text": "I didn't understand that message."})
            return
        kind, target = data.get("type"), data.get("id")
        try:
            if kind == "say" and isinstance(data.get("text"), str):
                text = data["text"].strip()[:TEXT_MAX]
                reply_to = data.get("reply_to")
                if not isinstance(reply_to, int) or isinstance(reply_to, bool) or reply_to < 1:
                    reply_to = None
                if text:
                    await self.core.dm_say_web(actor, thread, text, reply_to)
            elif kind == "edit" and isinstance(target, int) and isinstance(data.get("text"), str):
                await self.core.dm_edit_web(actor, _an_id(target), data["text"].strip()[:TEXT_MAX])
            elif kind == "delete" and isinstance(target, int):
                await self.core.dm_delete_web(actor, _an_id(target))
            elif kind == "seen" and isinstance(target, int) and target > 0:
                await self.core.dm_seen(actor, thread, target)
            elif kind == "report" and isinstance(target, int) and target > 0:
                reason = data.get("reason")
                await self.core.dm_report(actor, target, reason if isinstance(reason, str) else "")
                await _send(ws, {"type": "notice", "text": "Reported to the admins. Thank you."})
            else:
                await _send(ws, {"type": "error", "text": "I didn't understand that message."})
        except DmError as exc:
            await _send(ws, {"type": "error", "text": str(exc)})

    async def _written(self, thread_id: int, message_id: int) -> None:
        conns = self.sockets.get(thread_id)
        if not conns:
            return
        if message_id == 0:
            # A seen mark: each page shows how far the *other* side has read.
            for ws, actor, _me in list(conns):
                _, _, seen = await self.core.dm_history(actor, thread_id)
                await _send(ws, {"type": "seen", "id": seen})
            return
        found = await self.core.dm_message(message_id)
        if found is None:
            return
        for ws, _actor, me in list(conns):
            await _send(ws, _json(found[1], me))

    async def close_all(self) -> None:
        for conns in list(self.sockets.values()):
            for ws, _, _ in list(conns):
                await ws.close(code=1001, message=b"server shutdown")


def _json(m: RoomMessage, me: int) -> dict[str, Any]:
    return {**message_json(m), "mine": m.author_id == me}


def _an_id(value: int) -> int:
    """A message id from a frame (DmError: not one)."""
    if isinstance(value, bool) or not 0 < value < 2**53:
        raise DmError("That message is gone.")
    return value


async def _send(ws: web.WebSocketResponse, message: dict[str, Any]) -> None:
    if ws.closed:
        return
    try:
        await ws.send_json(message)
    except (ConnectionError, RuntimeError) as exc:
        log.debug("messages socket went away: %s", exc)
