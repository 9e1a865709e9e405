"""Small pages outside the chat: a user's calendar feed and the call-room link target."""

from __future__ import annotations

import html
from collections.abc import Awaitable, Callable

from aiohttp import web

from core.app import CoreApp
from core.booking.notices import user_feed
from core.booking.tables import ACTIVE, Booking
from core.booking.views import room_of_token, when
from core.calendar import user_of_feed_token
from core.db.schema import User

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
        user_id = user_of_feed_token(core.signing_key, request.match_info["token"])
        if user_id is None:
            return page(
                "Calendar link not valid",
                "<p>This calendar link isn't valid. Open <b>/sessions</b> in the chat and use "
                "the calendar feed link from a confirmed session.</p>",
                404,
            )
        async with core.db.transaction() as s:
            body = await user_feed(core, s, user_id, core.clock.now())
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={"Cache-Control": "private, max-age=300"},
        )

    return handler


def room_handler(core_of: CoreOf) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        core = core_of(request)
        found = room_of_token(core.signing_key, request.match_info["token"])
        if found is None:
            return page(
                "Room link not valid",
                "<p>This call link isn't valid. Use the <b>Join</b> button from your session "
                "in the chat (/sessions).</p>",
                404,
            )
        booking_id, user_id = found
        async with core.db.transaction() as s:
            b = await s.get(Booking, booking_id)
            user = await s.get(User, user_id)
            if b is None or user is None:
                return page("Session not found", "<p>This session no longer exists.</p>", 404)
            other = await s.get(User, b.learner_id if user_id == b.mentor_id else b.mentor_id)
        start = html.escape(when(b.starts_at, user.timezone))
        name = html.escape(other.display_name if other else "your partner")
        if b.status not in ACTIVE:
            return page(
                "This session isn't on",
                f"<p>Your session with {name} at {start} is <b>{html.escape(b.status)}</b>.</p>",
                410,
            )
        return page(
            f"Session with {name}",
            f"<p>{b.length_min} minutes at <b>{start}</b>.</p>"
            f"<p>Topic: {html.escape(b.topic)}</p>"
            "<p class='muted'>The video room opens on this page shortly before the start. "
            "Keep this link; it's yours alone.</p>",
        )

    return handler


def setup_pages(app: web.Application, core_of: CoreOf) -> None:
    app.router.add_get("/calendar/{token}.ics", calendar_handler(core_of))
    app.router.add_get("/room/{token}", room_handler(core_of))
