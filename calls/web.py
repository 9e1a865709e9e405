"""HTTP side of the call rooms: the room page, the device check, the signaling WebSocket."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources
from typing import Any
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web

from calls.config import CallConfig
from calls.group_room import GroupRooms, Member
from calls.rooms import Refused, Rooms, Seat
from core import pages
from core.app import CoreApp
from core.booking.joins import recordings_of
from core.booking.room import Access, RoomWindow, access
from core.booking.room_chat import messages_of
from core.booking.tables import Booking
from core.booking.views import RoomTicket, hm, room_of_token, when
from core.db.schema import Account, User
from core.ratelimit import Bucket

log = logging.getLogger(__name__)

CoreOf = Callable[[web.Application], CoreApp]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ROOMS = web.AppKey("rooms", Rooms)
STATIC = resources.files("calls") / "static"
STATIC_FILES = {
    "room.js": "application/javascript",
    "room.css": "text/css",
    "check.js": "application/javascript",
    "favicon.svg": "image/svg+xml",
}
# Where the people of a booking came from, named on the ended card ("back to Telegram").
CHAT_APPS = {"telegram": "Telegram", "slack": "Slack", "discord": "Discord"}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "media-src 'self' blob:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "Referrer-Policy": "no-referrer",  # the token is in the URL
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "Permissions-Policy": "camera=(self), microphone=(self), display-capture=(self)",
}

TEMPLATES = web.AppKey("calls_templates", jinja2.Environment)
# Why a room link was refused, and its status code.
REFUSED = {
    Access.NOT_YOURS: ("This link isn't yours", "not_yours", 403),
    Access.EXPIRED: ("This session is over", "expired", 410),
    Access.CANCELLED: ("This session isn't on", "cancelled", 410),
}


def render(
    request: web.Request, name: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    resp = aiohttp_jinja2.render_template(name, request, context, app_key=TEMPLATES, status=status)
    resp.headers.update(HEADERS)
    return resp


def refused(request: web.Request, title: str, why: str, code: int, **more: Any) -> web.Response:
    context = {"title": title, "why": why, "kind": "notice", **more}
    return render(request, "room_refused.html", context, code)


def origin_ok(request: web.Request, public_url: str, extra: tuple[str, ...]) -> bool:
    origin = request.headers.get("Origin", "")
    if not origin:
        return False
    pub = urlsplit(public_url)
    allowed = {f"{request.scheme}://{request.host}", f"{pub.scheme}://{pub.netloc}", *extra}
    return origin in allowed


async def _load(
    core: CoreApp, ticket: RoomTicket
) -> tuple[Booking | None, User | None, User | None]:
    async with core.uow() as u:
        s = u.session
        b = await s.get(Booking, ticket.booking_id)
        user = await s.get(User, ticket.user_id)
        if b is None:
            return None, user, None
        other_id = b.learner_id if ticket.role == "mentor" else b.mentor_id
        other = await s.get(User, other_id)
        return b, user, other


async def way_back(core: CoreApp, user: User) -> dict[str, str]:
    """The web chat, and the chat app of the person's primary account if they came from one."""
    platform = ""
    if user.primary_account_id is not None:
        async with core.uow() as u:
            account = await u.session.get(Account, user.primary_account_id)
            platform = account.platform if account is not None else ""
    return {"chat_url": "/chat", "platform": platform, "app": CHAT_APPS.get(platform, "")}


def room_page(core_of: CoreOf) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        core = core_of(request.app)
        token = request.match_info["token"]
        ticket = room_of_token(core.signing_keys, token)
        if ticket is None:
            return refused(request, "Room link not valid", "invalid", 404)
        b, user, other = await _load(core, ticket)
        now = core.clock.now()
        state = access(b, ticket, now, core.policies)
        if b is None or user is None or state is Access.NOT_YOURS:
            return refused(request, *REFUSED[Access.NOT_YOURS])
        start = when(b.starts_at, user.timezone)
        name = other.display_name if other else "your partner"
        if state is Access.TOO_EARLY:
            window = RoomWindow.of(b, core.policies)
            context = {
                "title": f"Session with {name}",
                "kind": "early",
                "length": b.length_min,
                "start": start,
                "topic": b.topic,
                "opens_before": core.policies.room_opens_before_min,
                "left": int((window.opens_at - now).total_seconds()),
                "token": token,
            }
            return render(request, "room_early.html", context)
        if state is not Access.OPEN:
            return refused(request, *REFUSED[state], name=name, start=start, status=b.status)
        return render(request, "room.html", {"title": "Session"})

    return handler


def check_page(core_of: CoreOf) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        core = core_of(request.app)
        ticket = room_of_token(core.signing_keys, request.match_info["token"])
        if ticket is None:
            return refused(request, "Room link not valid", "link", 404)
        return render(request, "check.html", {"title": "Device check"})

    return handler


def check_offer(core_of: CoreOf) -> Handler:
    """The device check: the browser's offer in, the server peer's answer out."""

    async def handler(request: web.Request) -> web.StreamResponse:
        core = core_of(request.app)
        if not origin_ok(request, core.policies.public_url, ()):
            return web.json_response({"error": "origin"}, status=403)
        try:
            body = await request.json()
            token, sdp = str(body["token"]), str(body["sdp"])
        except (ValueError, KeyError, TypeError, RecursionError):
            return web.json_response({"error": "bad request"}, status=400)
        ticket = room_of_token(core.signing_keys, token)
        if ticket is None:
            return web.json_response({"error": "token"}, status=401)
        b, _user, _other = await _load(core, ticket)
        state = access(b, ticket, core.clock.now(), core.policies)
        if state not in (Access.OPEN, Access.TOO_EARLY):
            return web.json_response({"error": state.value}, status=403)
        try:
            answer = await request.app[ROOMS].echo(sdp, ticket.user_id)
        except Refused as e:
            return web.json_response({"error": str(e)}, status=503)
        return web.json_response({"sdp": answer.sdp, "type": answer.type})

    return handler


def recordings(core_of: CoreOf, cfg: CallConfig) -> Handler:
    """A session's recordings, for its two participants only, any time after."""

    async def handler(request: web.Request) -> web.StreamResponse:
        core = core_of(request.app)
        token = request.match_info["token"]
        ticket = room_of_token(core.signing_keys, token)
        if ticket is None:
            return refused(request, "Link not valid", "link", 404)
        b, user, other = await _load(core, ticket)
        if access(b, ticket, core.clock.now(), core.policies) is Access.NOT_YOURS:
            return refused(request, *REFUSED[Access.NOT_YOURS])
        async with core.uow() as u:
            names = (await recordings_of(u.session, [ticket.booking_id])).get(ticket.booking_id, [])
            chat = await messages_of(u.session, ticket.booking_id)
        folder = cfg.data_dir / "recordings" / f"booking-{ticket.booking_id}"
        name = request.match_info.get("name")
        if name is not None:
            # Only names the server itself recorded: never a path from the request.
            if name not in names or not (folder / name).is_file():
                raise web.HTTPNotFound()
            return web.FileResponse(
                folder / name,
                headers={"Cache-Control": "private, no-store", "Content-Type": "video/mp4"},
            )
        who = {
            ticket.role: "You",
            ("learner" if ticket.role == "mentor" else "mentor"): (
                other.display_name if other else "Your partner"
            ),
        }
        tz = user.timezone if user is not None else "UTC"
        context = {
            "title": "Session recordings",
            "kind": "notice",
            "token": token,
            "recordings": [n for n in names if (folder / n).is_file()],
            "chat": [{"at": hm(m.at, tz), "who": who[m.role], "text": m.text} for m in chat],
        }
        return render(request, "room_recordings.html", context)

    return handler


def static_file(request: web.Request) -> web.StreamResponse:
    name = request.match_info["name"]
    if name not in STATIC_FILES:
        raise web.HTTPNotFound()
    return web.Response(
        body=(STATIC / name).read_bytes(),
        content_type=STATIC_FILES[name],
        headers={"Cache-Control": "no-cache", "X-Content-Type-Options": "nosniff"},
    )


async def static_handler(request: web.Request) -> web.StreamResponse:
    return static_file(request)


ROOM_MESSAGES_PER_S = 20.0
ROOM_BURST = 200
ROOM_SLOW_DOWNS = 50  # "slow down" answers before the socket is closed (1008)


def signaling(core_of: CoreOf, cfg: CallConfig) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        core = core_of(request.app)
        # Everything is checked before the upgrade: a refused client never sees a message.
        if not origin_ok(request, core.policies.public_url, cfg.extra_origins):
            return web.json_response({"error": "origin"}, status=403)
        ticket = room_of_token(core.signing_keys, request.query.get("token", ""))
        if ticket is None:
            return web.json_response({"error": "token"}, status=401)
        b, user, other = await _load(core, ticket)
        state = access(b, ticket, core.clock.now(), core.policies)
        if b is None or user is None or state is not Access.OPEN:
            status = 403 if state in (Access.NOT_YOURS, Access.TOO_EARLY) else 410
            return web.json_response({"error": state.value}, status=status)
        names = {
            ticket.role: user.display_name,
            ("learner" if ticket.role == "mentor" else "mentor"): (
                other.display_name if other else "your partner"
            ),
        }
        ws = web.WebSocketResponse(heartbeat=20, max_msg_size=128 * 1024)
        try:
            await ws.prepare(request)
        except ConnectionError as exc:
            log.debug("room client left during the handshake: %s", exc)
            return ws
        rooms = request.app[ROOMS]
        hub: Rooms | GroupRooms = rooms
        seat: Seat | Member
        if b.group_id is not None:
            # A seat of a group session: everyone's links lead to the group's one room.
            hub = rooms.groups
            seat = await hub.join(b, ticket.role, ticket.user_id, user.display_name, ws)
        else:
            seat = await rooms.join(
                b.id,
                RoomWindow.of(b, core.policies),
                names,
                ticket.role,
                ticket.user_id,
                ws,
                back=await way_back(core, user),
            )
        reason = "closed"
        loop = asyncio.get_running_loop()
        # Signalling sends a burst of ICE candidates at the start, then little: far above
        # that is a client that isn't the room page.
        rate = Bucket(rate=ROOM_MESSAGES_PER_S, burst=ROOM_BURST, at=loop.time())
        patience = Bucket(rate=1.0, burst=ROOM_SLOW_DOWNS, at=loop.time())
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                if not rate.take(loop.time()):
                    if not patience.take(loop.time()):
                        await ws.close(code=1008, message=b"Too many messages.")
                        break
                    await hub.refuse(seat, "slow down")
                    continue
                try:
                    body = json.loads(msg.data)
                except (ValueError, RecursionError):  # RecursionError: nested thousands deep
                    await hub.refuse(seat, "not JSON")
                    continue
                await hub.handle(seat, body)  # type: ignore[arg-type]
        except ConnectionError as exc:
            reason = "gone"
            log.debug("room socket went away: %s", exc)
        except Exception:
            reason = "error"
            log.exception("room socket failed")
        finally:
            await hub.leave(seat, reason)  # type: ignore[arg-type]
        return ws

    return handler


def setup_calls(app: web.Application, core_of: CoreOf, cfg: CallConfig) -> None:
    """Routes plus the Rooms object's life (after the core is built, closed before it)."""

    async def rooms_ctx(app: web.Application) -> AsyncIterator[None]:
        app[ROOMS] = Rooms(core_of(app), cfg)
        yield
        await app[ROOMS].close_all()

    async def close_rooms(app: web.Application) -> None:
        rooms = app.get(ROOMS)
        if rooms is not None:
            await rooms.close_all()

    aiohttp_jinja2.setup(app, app_key=TEMPLATES, **pages.environment_options("calls"))
    app.cleanup_ctx.append(rooms_ctx)
    app.on_shutdown.append(close_rooms)
    # Fixed paths first: /room/{token} would otherwise match /room/ws.
    app.router.add_get("/room/ws", signaling(core_of, cfg))
    app.router.add_get("/room/static/{name}", static_handler)
    app.router.add_post("/room/check/offer", check_offer(core_of))
    app.router.add_get("/room/{token}/check", check_page(core_of))
    app.router.add_get("/room/{token}/recordings", recordings(core_of, cfg))
    app.router.add_get("/room/{token}/recordings/{name}", recordings(core_of, cfg))
    app.router.add_get("/room/{token}", room_page(core_of))
