"""A community's web room at /c/{slug} (DESIGN §11): the page, its history in pages, a live
WebSocket that shows messages from every linked platform as they arrive, and the files shared
there. Reading a public or unlisted room needs no account; writing needs joining."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import quote, urlsplit

from aiohttp import WSMsgType, web

from bots.web.identity import guest_name, new_web_id, read_cookie, sign_cookie
from bots.web.layout import render
from bots.web.limits import MAX_FRAME_BYTES, SLOW_DOWN, person_bucket
from core.app import CoreApp
from core.markup import to_html
from core.messaging import Actor
from core.ratelimit import Bucket
from core.services.communities import CommunityError, CommunityView
from core.services.relay import TEXT_MAX, RelayError, RoomMessage

log = logging.getLogger(__name__)

COOKIE = "mb_web"  # the web chat's cookie: one guest identity for the chat and the rooms
PAGE_SIZE = 50
SHOWN_INLINE = ("image/png", "image/jpeg", "image/gif", "image/webp", "audio/ogg", "audio/mpeg",
                "audio/webm", "audio/mp4", "audio/wav")  # fmt: skip
CSP = (
    "default-src 'self'; img-src 'self' data:; media-src 'self'; connect-src 'self' ws: wss:; "
    "style-src 'self'; script-src 'self'; frame-ancestors 'none'"
)


def message_json(m: RoomMessage) -> dict[str, Any]:
    file = None
    if m.file_url:
        kind = "image" if m.file_mime.startswith("image/") else "file"
        if m.file_mime.startswith("audio/"):
            kind = "audio"
        path = urlsplit(m.file_url).path  # same origin as the page, whatever PUBLIC_URL says
        file = {"name": m.file_name, "url": path, "kind": kind}
    return {
        "type": "message",
        "id": m.id,
        "author": m.author,
        "platform": m.platform,
        "html": to_html(m.text),
        "at": m.at.isoformat(),
        "reply_to": m.reply_to,
        "edited": m.edited,
        "deleted": m.deleted,
        "file": file,
    }


class WebRooms:
    def __init__(self, core: CoreApp, secret: bytes, *, secure_cookie: bool = False) -> None:
        self.core = core
        self.secret = secret
        self.secure_cookie = secure_cookie
        self.sockets: dict[int, set[web.WebSocketResponse]] = {}
        self.buckets: dict[str, Bucket] = {}
        self._unlisten = core.relay.listen(self._written)

    def close(self) -> None:
        self._unlisten()

    def _web_id(self, request: web.Request) -> str | None:
        return read_cookie(self.secret, request.cookies.get(COOKIE))

    def _actor(self, web_id: str) -> Actor:
        return Actor("web", "web", web_id, guest_name(web_id))

    async def _room(self, request: web.Request) -> CommunityView:
        web_id = self._web_id(request)
        room = await self.core.room(
            request.match_info["slug"], self._actor(web_id) if web_id else None
        )
        if room is None:
            raise web.HTTPNotFound(text="No such community room.")
        return room

    # ---- HTTP ---------------------------------------------------------------
    async def page(self, request: web.Request) -> web.Response:
        room = await self._room(request)
        resp = render(request, "room.html", {"room": room})
        resp.headers["Content-Security-Policy"] = CSP
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["X-Content-Type-Options"] = "nosniff"
        resp.headers["Referrer-Policy"] = "same-origin"
        if self._web_id(request) is None:
            resp.set_cookie(
                COOKIE,
                sign_cookie(self.secret, new_web_id()),
                max_age=365 * 24 * 3600,
                httponly=True,
                samesite="Lax",
                secure=self.secure_cookie,
            )
        return resp

    async def history(self, request: web.Request) -> web.Response:
        room = await self._room(request)
        raw = request.query.get("before", "")
        before = int(raw) if raw.isdigit() and len(raw) < 12 else None
        msgs = await self.core.room_history(room.id, before, PAGE_SIZE + 1)
        more = len(msgs) > PAGE_SIZE
        msgs = msgs[-PAGE_SIZE:]
        return web.json_response({"messages": [message_json(m) for m in msgs], "more": more})

    async def file(self, request: web.Request) -> web.StreamResponse:
        raw_id = request.match_info["id"]
        token = request.match_info["token"]
        if not raw_id.isdigit() or len(raw_id) > 12 or not token.isascii() or len(token) > 64:
            raise web.HTTPNotFound()
        found = await self.core.shared_file(int(raw_id), token)
        if found is None:
            raise web.HTTPNotFound()
        name, mime, data = found
        # Shown in the page only for kinds a browser can't run; everything else downloads.
        inline = mime in SHOWN_INLINE
        disposition = "inline" if inline else "attachment"
        return web.Response(
            body=data,
            content_type=mime if inline else "application/octet-stream",
            headers={
                "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(name)}",
                "X-Content-Type-Options": "nosniff",
                "Content-Security-Policy": "default-src 'none'; sandbox",
                "Cache-Control": "private, max-age=86400",
            },
        )

    # ---- the live room ------------------------------------------------------
    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        room = await self._room(request)
        origin = request.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != request.host:
            raise web.HTTPForbidden(text="Cross-site WebSocket refused.")
        web_id = self._web_id(request)
        ws = web.WebSocketResponse(heartbeat=30, max_msg_size=MAX_FRAME_BYTES)
        try:
            await ws.prepare(request)
        except ConnectionError:
            return ws
        self.sockets.setdefault(room.id, set()).add(ws)
        try:
            await self._send(ws, await self._hello(room, web_id))
            for m in await self.core.room_history(room.id, None, PAGE_SIZE):
                await self._send(ws, message_json(m))
            await self._send(ws, {"type": "done"})
            await self._session(ws, room, web_id)
        finally:
            conns = self.sockets.get(room.id)
            if conns is not None:
                conns.discard(ws)
                if not conns:
                    del self.sockets[room.id]
        return ws

    async def _hello(self, room: CommunityView, web_id: str | None) -> dict[str, Any]:
        actor = self._actor(web_id) if web_id else None
        rules, moderator = await self.core.room_rules(actor, room.id)
        return {
            "type": "room",
            "name": room.name,
            "members": room.members,
            "member": room.role is not None,
            "joinable": room.visibility != "invite",
            "moderator": moderator,
            "rules": rules,
        }

    async def _session(
        self, ws: web.WebSocketResponse, room: CommunityView, web_id: str | None
    ) -> None:
        loop = asyncio.get_running_loop()
        async for msg in ws:
            if msg.type != WSMsgType.TEXT:
                await self._send(ws, {"type": "error", "text": "Please send text frames."})
                continue
            if web_id is None:
                await self._send(ws, {"type": "error", "text": "Reload the page to join in."})
                continue
            bucket = self.buckets.setdefault(web_id, person_bucket(loop.time()))
            if not bucket.take(loop.time()):
                await self._send(ws, {"type": "error", "text": SLOW_DOWN})
                continue
            await self._frame(ws, room, self._actor(web_id), msg.data)

    async def _frame(
        self, ws: web.WebSocketResponse, room: CommunityView, actor: Actor, raw: str
    ) -> None:
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            data = None
        kind = data.get("type") if isinstance(data, dict) else None
        if kind == "join":
            try:
                joined = await self.core.room_join(actor, room.id)
            except CommunityError as exc:
                await self._send(ws, {"type": "error", "text": str(exc)})
                return
            await self._send(ws, await self._hello(joined, actor.external_id))
            return
        if kind == "say" and isinstance(data, dict) and isinstance(data.get("text"), str):
            text = data["text"].strip()
            reply_to = data.get("reply_to")
            if not isinstance(reply_to, int) or isinstance(reply_to, bool) or reply_to < 1:
                reply_to = None
            if not text:
                return
            if len(text) > TEXT_MAX:
                await self._send(
                    ws, {"type": "error", "text": f"At most {TEXT_MAX} characters, please."}
                )
                return
            try:
                await self.core.room_say(actor, room.id, text, reply_to)
            except RelayError as exc:
                await self._send(ws, {"type": "error", "text": str(exc)})
            return
        target = data.get("id") if isinstance(data, dict) else None
        if kind in ("report", "delete", "ban") and isinstance(target, int) and target > 0:
            reason = data.get("reason") if isinstance(data, dict) else ""
            reason = reason[:255] if isinstance(reason, str) else ""
            try:
                said = await self.core.room_moderate(actor, room.id, kind, target, reason)
            except RelayError as exc:
                said = str(exc)
            await self._send(ws, {"type": "notice", "text": said})
            return
        await self._send(ws, {"type": "error", "text": "I didn't understand that message."})

    async def from_elsewhere(self, community_id: int, message_id: int) -> None:
        """A message another worker wrote: to this worker's sockets in that room."""
        await self._written(community_id, message_id)

    async def _written(self, community_id: int, message_id: int) -> None:
        conns = self.sockets.get(community_id)
        if not conns:
            return
        m = await self.core.room_message(message_id)
        if m is None:
            return
        out = message_json(m)
        for ws in list(conns):
            await self._send(ws, out)

    async def close_all(self) -> None:
        for conns in list(self.sockets.values()):
            for ws in list(conns):
                await ws.close(code=1001, message=b"server shutdown")

    @staticmethod
    async def _send(ws: web.WebSocketResponse, message: dict[str, Any]) -> None:
        if ws.closed:
            return
        try:
            await ws.send_json(message)
        except (ConnectionError, RuntimeError) as exc:
            log.debug("room socket went away: %s", exc)
