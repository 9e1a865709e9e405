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
