"""Small pages outside the chat: a user's calendar feed (call rooms live in calls/)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from bots.web.layout import render, setup_templates
from bots.web.posts import setup_posts
from core.app import CoreApp

CoreOf = Callable[[web.Request], CoreApp]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def calendar_handler(core_of: CoreOf) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        core = core_of(request)
        body = await core.calendar_feed(request.match_info["token"])
        if body is None:
            return render(
                request, "calendar_refused.html", {"title": "Calendar link not valid"}, 404
            )
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={"Cache-Control": "private, max-age=300"},
        )

    return handler


def setup_pages(app: web.Application, core_of: CoreOf) -> None:
    setup_templates(app)
    app.router.add_get("/calendar/{token}.ics", calendar_handler(core_of))
    setup_posts(app, core_of)
