"""A mentor's own stats as a web page (issue 17, part 4): /mentor/stats/{token}, reached by the
signed 24-hour link `/mentor stats` (`/stats`) sends. The same figures, summaries and charts
as the chat answer (core.dialogs.mentor_stats), plus the weeks as a table. The token names
the mentor and expires (core.signing, purpose "mentorstats"): there is nothing to guess."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Callable

from aiohttp import web

from bots.web.layout import render, setup_templates
from core.app import CoreApp
from core.booking.analytics import MENTOR_WEEKS
from core.currency import money
from core.db.schema import MentorProfile, User
from core.dialogs.mentor_stats import draw, page_user, summaries

CSP = "default-src 'none'; img-src data:; style-src 'self'; form-action 'none'; frame-ancestors 'none'"

CoreOf = Callable[[web.Request], CoreApp]


def _png(data: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(data).decode()


def _page(request: web.Request, name: str, context: dict[str, object], status: int) -> web.Response:
    resp = render(request, name, {"stylesheet": "/static/admin.css", **context}, status=status)
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Frame-Options"] = "DENY"
    return resp


def setup_mentor_page(app: web.Application, core_of: CoreOf) -> None:
    setup_templates(app)

    async def stats_page(request: web.Request) -> web.StreamResponse:
        core = core_of(request)
        user_id = page_user(
            core.deps.signing_keys, request.match_info["token"], core.deps.clock.now()
        )
        if user_id is None:
            return _page(
                request,
                "admin_refused.html",
                {
                    "title": "Link not valid",
                    "why": "This stats link is not valid or has expired. Send /stats in the chat "
                    "for a new one.",
                },
                404,
            )
        currency = core.deps.policies.currency
        async with core.uow() as u:
            user = await u.session.get(User, user_id)
            profile = await u.session.get(MentorProfile, user_id)
            stats = await u.mentor_analytics.stats(user_id, currency) if profile else None
        if user is None or stats is None:
            return _page(
                request,
                "admin_refused.html",
                {"title": "No stats", "why": "Stats are for mentors."},
                404,
            )
        first, second = summaries(stats)
        earnings, sessions = await asyncio.to_thread(draw, stats)
        return _page(
            request,
            "mentor_stats.html",
            {
                "title": f"{user.display_name}'s stats",
                "weeks_n": MENTOR_WEEKS,
                "charts": [
                    {
                        "src": _png(earnings),
                        "alt": "Bar chart of earnings by week. " + first,
                        "summary": first,
                    },
                    {
                        "src": _png(sessions),
                        "alt": "Bar chart of sessions by week with a rating line. " + second,
                        "summary": second,
                    },
                ],
                "weeks": [
                    {
                        "start": f"{w.start:%d %b %Y}",
                        "sessions": w.sessions,
                        "earned": money(w.earned, stats.currency),
                        "rating": "" if w.rating is None else f"{w.rating:.1f}★",
                    }
                    for w in stats.weeks
                ],
            },
            200,
        )

    app.router.add_get("/mentor/stats/{token}", stats_page)
