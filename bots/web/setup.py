"""Putting the web chat into the aiohttp app: its AppKey, routes and static files."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from bots.web.bot import WebChat
from bots.web.layout import setup_templates
from bots.web.messages import WebMessages
from bots.web.rooms import WebRooms

WEBCHAT = web.AppKey("webchat", WebChat)
ROOMS = web.AppKey("rooms", WebRooms)
MESSAGES = web.AppKey("messages", WebMessages)


async def _page(request: web.Request) -> web.StreamResponse:
    return await request.app[WEBCHAT].page(request)


async def _login(request: web.Request) -> web.StreamResponse:
    return await request.app[WEBCHAT].login(request)


async def _ws(request: web.Request) -> web.StreamResponse:
    return await request.app[WEBCHAT].websocket(request)


async def _room(request: web.Request) -> web.StreamResponse:
    return await request.app[ROOMS].page(request)


async def _room_history(request: web.Request) -> web.StreamResponse:
    return await request.app[ROOMS].history(request)


async def _room_ws(request: web.Request) -> web.StreamResponse:
    return await request.app[ROOMS].websocket(request)


async def _shared_file(request: web.Request) -> web.StreamResponse:
    return await request.app[ROOMS].file(request)


async def _upload(request: web.Request) -> web.StreamResponse:
    return await request.app[WEBCHAT].upload(request)


async def _avatar(request: web.Request) -> web.StreamResponse:
    """A profile picture by its unguessable name: always a JPEG we re-encoded ourselves."""
    name, size = request.match_info["name"], request.match_info["size"]
    data = request.app[WEBCHAT].core.avatar_file(name, size)
    if data is None:
        raise web.HTTPNotFound()
    return web.Response(
        body=data,
        content_type="image/jpeg",
        headers={
            "X-Content-Type-Options": "nosniff",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "Cache-Control": "public, max-age=86400, immutable",
        },
    )


async def _dm_index(request: web.Request) -> web.StreamResponse:
    return await request.app[MESSAGES].index(request)


async def _dm_page(request: web.Request) -> web.StreamResponse:
    return await request.app[MESSAGES].page(request)


async def _dm_ws(request: web.Request) -> web.StreamResponse:
    return await request.app[MESSAGES].websocket(request)


async def _dm_upload(request: web.Request) -> web.StreamResponse:
    return await request.app[MESSAGES].upload(request)


def setup_routes(app: web.Application) -> None:
    """Routes resolve the WebChat from app[WEBCHAT], which the app's cleanup context sets."""
    setup_templates(app)
    static = resources.files("bots.web").joinpath("static")
    app.router.add_get("/", _page)
    app.router.add_get("/chat", _page)
    app.router.add_get("/login", _login)
    app.router.add_get("/ws", _ws)
    app.router.add_post("/chat/upload", _upload)
    # Profile pictures (issue 18): public, as a profile is; the name is the secret.
    app.router.add_get("/avatars/{name:[A-Za-z0-9_-]{20,64}}-{size:thumb|large}.jpg", _avatar)
    # Community web rooms (DESIGN §11) and the files shared in communities.
    app.router.add_get("/c/{slug}", _room)
    app.router.add_get("/c/{slug}/messages", _room_history)
    app.router.add_get("/c/{slug}/ws", _room_ws)
    app.router.add_get("/files/{id}/{token}", _shared_file)
    # Direct messages (issue #16).
    app.router.add_get("/messages", _dm_index)
    app.router.add_get("/messages/{id}", _dm_page)
    app.router.add_get("/messages/{id}/ws", _dm_ws)
    app.router.add_post("/messages/{id}/upload", _dm_upload)
    app.router.add_static("/static", str(static), append_version=False)
