"""Putting the web chat into the aiohttp app: its AppKey, routes and static files."""

from __future__ import annotations

from importlib import resources

from aiohttp import web

from bots.web.bot import WebChat
from bots.web.layout import setup_templates

WEBCHAT = web.AppKey("webchat", WebChat)


async def _page(request: web.Request) -> web.StreamResponse:
    return await request.app[WEBCHAT].page(request)


async def _login(request: web.Request) -> web.StreamResponse:
    return await request.app[WEBCHAT].login(request)


async def _ws(request: web.Request) -> web.StreamResponse:
    return await request.app[WEBCHAT].websocket(request)


def setup_routes(app: web.Application) -> None:
    """Routes resolve the WebChat from app[WEBCHAT], which the app's cleanup context sets."""
    setup_templates(app)
    static = resources.files("bots.web").joinpath("static")
    app.router.add_get("/", _page)
    app.router.add_get("/chat", _page)
    app.router.add_get("/login", _login)
    app.router.add_get("/ws", _ws)
    app.router.add_static("/static", str(static), append_version=False)
