"""The web chat's bot: the notification channel for platform "web", the chat page, the login
link and the WebSocket session (ack, call core, send)."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Sequence
from typing import Any, Protocol
from urllib.parse import urlsplit

from aiohttp import BodyPartReader, WSCloseCode, WSMsgType, web

from bots.web.identity import (
    guest_name,
    new_web_id,
    read_cookie,
    read_login_token,
    sign_cookie,
)
from bots.web.inbound import Hello, Refused, Said, read
from bots.web.layout import render
from bots.web.limits import (
    CLOSED_FLOOD,
    CLOSED_TOO_BIG,
    FRAME_TOO_BIG,
    MAX_FRAME_BYTES,
    MAX_SOCKETS,
    SLOW_DOWN,
    Patience,
    person_bucket,
)
from bots.web.render import message_json
from core.app import CoreApp
from core.messaging import FILE_FETCH_MAX, ActionIn, Actor, Delivered, FileIn, Reply, parse_text
from core.ports import Destination
from core.ratelimit import Bucket
from core.services.transcript import Entry
from core.signing import Keys

log = logging.getLogger(__name__)

COOKIE = "mb_web"
PRESSED_BEFORE = "You pressed that button already, so I've left it at that."
BINARY = "Please send text, not binary frames."
WORKSPACE = "web"


class Fanout(Protocol):
    """Other workers' sockets (issue 21): what is pushed here is published for them, and
    what they publish arrives through `WebChat.from_elsewhere`."""

    async def publish(self, web_id: str, messages: list[dict[str, Any]]) -> None: ...


class ChatSocket(web.WebSocketResponse):
    """aiohttp closes a socket whose frame is over max_msg_size with 1009 and no reason;
    this one says why."""

    async def close(
        self, *, code: int = WSCloseCode.OK, message: bytes = b"", drain: bool = True
    ) -> bool:
        if code == WSCloseCode.MESSAGE_TOO_BIG and not message:
            message = FRAME_TOO_BIG.encode()
        return await super().close(code=code, message=message, drain=drain)


class WebChat:
    """Channel for platform "web": a message is delivered once it is in the transcript."""

    platform = "web"

    def __init__(
        self,
        core: CoreApp,
        secret: Keys,
        *,
        secure_cookie: bool = False,
        fanout: Fanout | None = None,
    ) -> None:
        self.core = core
        self.secret = secret
        self.secure_cookie = secure_cookie
        self.fanout = fanout
        self.sockets: dict[str, set[web.WebSocketResponse]] = {}
        # Shared by a person's tabs: opening more tabs doesn't buy a faster rate.
        self.buckets: dict[str, Bucket] = {}

    # ---- Channel ------------------------------------------------------------
    async def deliver(self, to: Destination, replies: Sequence[Reply]) -> bool:
        entries = await self._log(to.account_id, "bot", replies)
        await self._push(to.external_id, entries)
        return True

    # The transcript, each call its own unit of work: a reply is pushed once it is stored.
    async def _account(self, web_id: str) -> int | None:
        async with self.core.uow() as u:
            return await u.transcript.account_id("web", WORKSPACE, web_id)

    async def _log(self, account_id: int, role: str, replies: Sequence[Reply]) -> list[Entry]:
        async with self.core.uow() as u:
            return await u.transcript.add(account_id, role, replies, u.now)

    async def _since(self, account_id: int, last: int) -> list[Entry]:
        async with self.core.uow() as u:
            return await u.transcript.since(account_id, last)

    async def _push(self, web_id: str, entries: Sequence[Entry]) -> None:
        messages = [message_json(e) for e in entries]
        await self.from_elsewhere(web_id, messages)
        if self.fanout is not None and messages:
            # The person's other tabs may be connected to another worker.
            try:
                await self.fanout.publish(web_id, messages)
            except Exception:  # stored already: a reload or reconnect shows it
                log.warning("could not publish to the other workers", exc_info=True)

    async def from_elsewhere(self, web_id: str, messages: Sequence[dict[str, Any]]) -> None:
        """Send messages to this worker's sockets of the person (if any)."""
        for ws in list(self.sockets.get(web_id, ())):
            for m in messages:
                if ws.closed:
                    break
                try:
                    await ws.send_json(m)
                except (ConnectionError, RuntimeError):
                    break

    # ---- HTTP ---------------------------------------------------------------
    def _set_cookie(self, resp: web.StreamResponse, web_id: str) -> None:
        resp.set_cookie(
            COOKIE,
            sign_cookie(self.secret, web_id),
            max_age=365 * 24 * 3600,
            httponly=True,
            samesite="Lax",
            secure=self.secure_cookie,
        )

    async def page(self, request: web.Request) -> web.Response:
        resp = render(request, "chat.html", {})
        resp.headers["Cache-Control"] = "no-store"
        resp.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; "
            "style-src 'self'; script-src 'self'"
        )
        if read_cookie(self.secret, request.cookies.get(COOKIE)) is None:
            self._set_cookie(resp, new_web_id())
        return resp

    async def login(self, request: web.Request) -> web.Response:
        web_id = read_login_token(self.secret, request.query.get("token", ""))
        if web_id is None:
            return web.Response(
                status=403,
                text="This login link is invalid or has expired. Ask for a new one "
                "(mentorbot admin login-link).",
            )
        resp = web.HTTPFound("/chat")
        self._set_cookie(resp, web_id)
        raise resp

    def _origin_ok(self, request: web.Request) -> bool:
        origin = request.headers.get("Origin")
        if origin is None:
            return True  # not a browser: no ambient cookie risk from another site
        return urlsplit(origin).netloc == request.host

    async def websocket(self, request: web.Request) -> web.WebSocketResponse:
        web_id = read_cookie(self.secret, request.cookies.get(COOKIE))
        if web_id is None:
            raise web.HTTPUnauthorized(text="Open the chat page first: it sets your cookie.")
        if not self._origin_ok(request):
            raise web.HTTPForbidden(text="Cross-site WebSocket refused.")
        if len(self.sockets.get(web_id, ())) >= MAX_SOCKETS:
            raise web.HTTPTooManyRequests(
                text=f"You have {MAX_SOCKETS} chats open already; close one and reload."
            )
        ws = ChatSocket(heartbeat=30, max_msg_size=MAX_FRAME_BYTES)
        try:
            await ws.prepare(request)
        except ConnectionError as exc:
            log.debug("web chat client left during the handshake: %s", exc)
            return ws
        now = asyncio.get_running_loop().time()
        self._forget_idle(now)
        self.sockets.setdefault(web_id, set()).add(ws)
        # Kept after the last tab closes until it has refilled: reconnecting doesn't reset it.
        bucket = self.buckets.setdefault(web_id, person_bucket(now))
        try:
            await self._session(ws, web_id, bucket)
        finally:
            conns = self.sockets.get(web_id)
            if conns is not None:
                conns.discard(ws)
                if not conns:
                    del self.sockets[web_id]
        return ws

    def _forget_idle(self, now: float) -> None:
        """Allowances of people with no tab open that have refilled: nothing to remember."""
        for web_id in [w for w, b in self.buckets.items() if w not in self.sockets]:
            if self.buckets[web_id].full(now):
                del self.buckets[web_id]

    async def _actor(self, web_id: str) -> Actor:
        return Actor("web", WORKSPACE, web_id, guest_name(web_id))

    async def _session(self, ws: web.WebSocketResponse, web_id: str, bucket: Bucket) -> None:
        actor = await self._actor(web_id)
        greeted = False
        loop = asyncio.get_running_loop()
        patience = Patience.fresh(loop.time())
        async for msg in ws:
            if msg.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                continue
            now = loop.time()
            m = read(msg.data) if msg.type == WSMsgType.TEXT else Refused(BINARY)
            # Every frame counts against the person's rate, junk included — except the first
            # hello of a socket: a reconnecting page is always welcomed (sockets are capped).
            allowed = bucket.take(now)
            if not allowed and isinstance(m, Hello) and not greeted:
                allowed = True
            if not allowed:
                if not patience.slow_downs.take(now):
                    await _close(ws, WSCloseCode.POLICY_VIOLATION, CLOSED_FLOOD)
                    return
                await _send(ws, {"type": "error", "text": SLOW_DOWN})
                continue
            if isinstance(m, Refused) and m.too_big and not patience.too_big.take(now):
                await _close(ws, WSCloseCode.MESSAGE_TOO_BIG, CLOSED_TOO_BIG)
                return
            if isinstance(m, Hello):
                await self._hello(ws, actor, m.last_seq, greeted)
                greeted = True
            elif isinstance(m, Said):
                await self._inbound(ws, actor, m.echo, m.inbound, pressed(actor, m), m.client_id)
            elif isinstance(m, Refused):
                await _send(ws, {"type": "error", "text": m.text})
            else:  # blank text: nothing to do, but the page is told it was heard
                await _send(ws, {"type": "done"})

    async def _who(self, actor: Actor) -> dict[str, Any]:
        """The header's identity: the name the person gave (a guest name until then) and
        whether they are an admin."""
        who = await self.core.who(actor)
        return {
            "name": who.name if who is not None else actor.display_name,
            "admin": who is not None and who.is_admin,
        }

    async def _hello(self, ws: web.WebSocketResponse, actor: Actor, last: int, again: bool) -> None:
        account_id = await self._account(actor.external_id)
        await _send(
            ws,
            {"type": "welcome", "account": f"web:{actor.external_id[:6]}"} | await self._who(actor),
        )
        if account_id is None:
            # A brand-new visitor: the bot speaks first.
            await self._inbound(ws, actor, None, parse_text("/start"))
            return
        for e in await self._since(account_id, last):
            await _send(ws, message_json(e))
        await self.core.delivery.flush(account_id=account_id)
        # Every frame the page sends ends in `done` or `error`: here, the replay is complete.
        await _send(ws, {"type": "done"})

    async def _inbound(
        self,
        ws: web.WebSocketResponse,
        actor: Actor,
        echo: str | None,
        inbound: Any,
        once: Delivered | None = None,
        client_id: str | None = None,
    ) -> None:
        await _send(ws, {"type": "typing"})
        # The person's line and the answer are stored with the step in one transaction, so
        # a worker killed mid-way leaves all of it or none; the page re-sends a message whose
        # echo it never saw under the same id, and a copy already handled is only
        # acknowledged (its answer is in the transcript the reconnect replayed).
        sent = sent_id(actor, client_id) if client_id is not None else None
        entries = await self.core.handle_transcribed(
            actor, inbound, echo, once=once, sent=sent, pressed_before=PRESSED_BEFORE
        )
        if entries is not None:
            await self._push(actor.external_id, entries)
            # The answer may have given a name (onboarding, profile edit): the header follows.
            await _send(ws, {"type": "who"} | await self._who(actor))
        # Tells the page (and tests) that this input has been fully answered.
        done: dict[str, Any] = {"type": "done"}
        if client_id is not None:
            done["id"] = client_id
            if entries is None:
                done["duplicate"] = True
        await _send(ws, done)

    async def upload(self, request: web.Request) -> web.Response:
        """A photo from the page's 📷 button (multipart field "file"): handed to core as a
        FileIn with its bytes; core's answer goes to the person's open chats."""
        web_id = read_cookie(self.secret, request.cookies.get(COOKIE))
        if web_id is None:
            return web.json_response({"error": "Open the chat page first."}, status=401)
        if not self._origin_ok(request):
            return web.json_response({"error": "Cross-site upload refused."}, status=403)
        bucket = self.buckets.setdefault(web_id, person_bucket(asyncio.get_running_loop().time()))
        if not bucket.take(asyncio.get_running_loop().time()):
            return web.json_response({"error": SLOW_DOWN}, status=429)
        try:
            reader = await request.multipart()
            part = await reader.next()
        except (ValueError, AssertionError, KeyError):
            part = None
        if not isinstance(part, BodyPartReader) or part.name != "file":
            return web.json_response({"error": "Send the photo as the field “file”."}, status=400)
        data = bytearray()
        while len(data) <= FILE_FETCH_MAX:
            chunk = await part.read_chunk(64 * 1024)
            if not chunk:
                break
            data.extend(chunk)
        size = len(data)
        name = (part.filename or "photo")[:255]
        mime = part.headers.get("Content-Type", "application/octet-stream")[:100]
        # Core reads the bytes by content; a file over the fetch limit comes without them.
        inbound = FileIn(
            name, mime, size, "web-upload", bytes(data) if size <= FILE_FETCH_MAX else None
        )
        actor = await self._actor(web_id)
        account_id = await self._account(web_id)
        if account_id is not None:
            await self._push(web_id, await self._log(account_id, "user", [Reply(f"📷 {name}")]))
        replies = await self.core.handle(actor, inbound)
        account_id = account_id or await self._account(web_id)
        if account_id is not None:
            await self._push(web_id, await self._log(account_id, "bot", replies))
        return web.json_response({"ok": True})

    async def close_all(self) -> None:
        for conns in list(self.sockets.values()):
            for ws in list(conns):
                await ws.close(code=1001, message=b"server shutdown")
        await asyncio.sleep(0)


def pressed(actor: Actor, said: Said) -> Delivered | None:
    """A button press's delivery id: this person, the message it was on, the payload."""
    if said.pressed_on is None or not isinstance(said.inbound, ActionIn):
        return None
    key = f"{actor.external_id}\0{said.pressed_on}\0{said.inbound.payload}"
    return Delivered("web", hashlib.sha256(key.encode()).hexdigest())


def sent_id(actor: Actor, client_id: str) -> Delivered:
    """The page's message id as a delivery record: per person, so one page can't spend
    another's id."""
    key = f"{actor.external_id}\0{client_id}"
    return Delivered("web-msg", hashlib.sha256(key.encode()).hexdigest())


async def _send(ws: web.WebSocketResponse, message: dict[str, Any]) -> bool:
    """A page that went away while we answered is normal: its messages wait in the
    transcript for the next connection."""
    if ws.closed:
        return False
    try:
        await ws.send_json(message)
    except (ConnectionError, RuntimeError) as exc:
        log.debug("web chat socket went away while sending: %s", exc)
        return False
    return True


async def _close(ws: web.WebSocketResponse, code: int, reason: str) -> None:
    """An abusive client is closed with a code and a reason; logged, not an error."""
    log.info("web chat socket closed (%d): %s", code, reason)
    await ws.close(code=code, message=reason.encode())
