"""Small pages outside the chat: a user's calendar feed (call rooms live in calls/)."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from aiohttp import web

from bots.web.posts import setup_posts
from core.app import CoreApp

CoreOf = Callable[[web.Request], CoreApp]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · MentorBot</title>
<style>body{{font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;
color:#1f2933}}h1{{font-size:1.4rem}}.muted{{color:#52606d}}</style></head>
<body><h1>{title}</h1>{body}</body></html>"""


def page(title: str, body: str, status: int = 200) -> web.Response:
    return web.Response(
        text=PAGE.format(title=html.escape(title), body=body),
        content_type="text/html",
        status=status,
    )


def calendar_handler(core_of: CoreOf) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        core = core_of(request)
        body = await core.calendar_feed(request.match_info["token"])
        if body is None:
            return page(
                "Calendar link not valid",
                "<p>This calendar link isn't valid. Open <b>/sessions</b> in the chat and use "
                "the calendar feed link from a confirmed session.</p>",
                404,
            )
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={"Cache-Control": "private, max-age=300"},
        )

    return handler


def setup_pages(app: web.Application, core_of: CoreOf) -> None:
    app.router.add_get("/calendar/{token}.ics", calendar_handler(core_of))
    setup_posts(app, core_of)
