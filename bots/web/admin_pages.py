"""The admin dashboard at /admin (issue 17, part 3): the `/admin stats` charts and
sortable tables of people, bookings, payments and payouts. Server-rendered (Jinja2), no
script; sorting and paging are links.

Login: the signed login link (`mentorbot admin login-link web:NAME`) opened at
/admin/login?token=… starts a dashboard session — a signed cookie that expires after
ADMIN_SESSION_S — for that web account, which must be an admin. Every /admin route checks
the session and the admin right again (a right removed since is refused at once).

/admin/queues shows the disputes, reports and mentor applications with a form for each
action, posted to /admin/act (bots.web.admin_forms: CSRF, one use per form, the chat's own
core functions)."""

from __future__ import annotations

import asyncio
import base64
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bots.web.admin_forms import (
    ALREADY_SENT,
    MAX_FORM_BYTES,
    BadForm,
    act,
    admin_of,
    form_fields,
    html,
    queues,
    read_form,
    spend_nonce,
)
from bots.web.identity import read_login_token
from bots.web.layout import render, setup_templates
from core.app import CoreApp
from core.booking.analytics import EXPORTS, PERIODS
from core.db.schema import Account, User
from core.dialogs.admin_stats import draw
from core.signing import Keys, dumps, loads

COOKIE = "mb_admin"
ADMIN_SESSION_S = 8 * 3600
PAGE_ROWS = 100
CSP = "default-src 'none'; img-src data:; style-src 'self'; form-action 'self'; frame-ancestors 'none'"
TABLES = EXPORTS

CoreOf = Callable[[web.Request], CoreApp]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def session_cookie(keys: Keys, web_id: str, now: float | None = None) -> str:
    expiry = int((now if now is not None else time.time()) + ADMIN_SESSION_S)
    return dumps(keys, "admin", [web_id, expiry])


def session_web_id(keys: Keys, value: str | None, now: float | None = None) -> str | None:
    got = loads(keys, "admin", value)
    if not (isinstance(got, list) and len(got) == 2):
        return None
    web_id, expiry = got
    at = now if now is not None else time.time()
    if not isinstance(web_id, str) or not isinstance(expiry, int) or expiry < at:
        return None
    return web_id or None


def _cell(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _page(
    request: web.Request, name: str, context: dict[str, Any], status: int = 200
) -> web.Response:
    resp = render(request, name, {"stylesheet": "/static/admin.css", **context}, status=status)
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["Cache-Control"] = "no-store"
    resp.headers["X-Frame-Options"] = "DENY"
    return resp


def _said(request: web.Request, title: str, why: str, status: int) -> web.Response:
    return _page(request, "admin_refused.html", {"title": title, "why": why}, status)


def _refused(request: web.Request, why: str, status: int = 403) -> web.Response:
    return _page(request, "admin_refused.html", {"title": "Admins only", "why": why}, status)


class AdminPages:
    def __init__(
        self, keys_of: Callable[[web.Request], Keys], core_of: CoreOf, secure: bool
    ) -> None:
        self.keys_of = keys_of
        self.core_of = core_of
        self.secure = secure

    async def login(self, request: web.Request) -> web.StreamResponse:
        keys = self.keys_of(request)
        web_id = read_login_token(keys, request.query.get("token", ""))
        if web_id is None:
            return _refused(request, "This login link is invalid or has expired.")
        if not await self._is_admin(request, web_id):
            return _refused(request, "This account is not an admin.")
        resp = web.HTTPFound("/admin")
        resp.set_cookie(
            COOKIE,
            session_cookie(keys, web_id),
            max_age=ADMIN_SESSION_S,
            path="/admin",
            httponly=True,
            samesite="Strict",
            secure=self.secure,
        )
        raise resp

    async def _is_admin(self, request: web.Request, web_id: str) -> bool:
        async with self.core_of(request).db.transaction() as s:
            user = await s.scalar(
                select(User)
                .join(Account, Account.user_id == User.id)
                .where(Account.platform == "web", Account.external_id == web_id)
            )
            return user is not None and user.is_admin

    def guarded(self, handler: Handler) -> Handler:
        async def check(request: web.Request) -> web.StreamResponse:
            web_id = session_web_id(self.keys_of(request), request.cookies.get(COOKIE))
            if web_id is None:
                return _refused(
                    request,
                    "Sign in with an admin login link (your session may have expired).",
                    401,
                )
            if not await self._is_admin(request, web_id):
                return _refused(request, "This account is not an admin.")
            return await handler(request)

        return check

    async def stats(self, request: web.Request) -> web.StreamResponse:
        period = request.query.get("period", "week")
        if period not in PERIODS:
            period = "week"
        core = self.core_of(request)
        async with core.uow() as u:
            report = await u.analytics.report(period, core.deps.policies.currency)
        charts = await asyncio.to_thread(draw, report)
        return _page(
            request,
            "admin_stats.html",
            {
                "title": f"Stats, last {period}",
                "period": period,
                "periods": list(PERIODS),
                "tables": TABLES,
                "charts": [
                    {
                        "summary": c.summary,
                        "alt": c.alt,
                        "src": "data:image/png;base64," + base64.b64encode(c.png).decode(),
                    }
                    for c in charts
                ],
            },
        )

    async def queues(self, request: web.Request) -> web.StreamResponse:
        keys = self.keys_of(request)
        cookie = request.cookies.get(COOKIE, "")

        def form(kind: str, target: int | None) -> dict[str, Any]:
            return form_fields(keys, cookie, kind, target)

        async with self.core_of(request).uow() as u:
            items = await queues(u, form)
        return _page(
            request,
            "admin_queues.html",
            {"title": "Queues", "tables": TABLES, **items},
        )

    async def act(self, request: web.Request) -> web.StreamResponse:
        """A queue's form: checked (size, CSRF, fields), acted on once, answered as a page."""
        size = request.content_length
        if size is None or size > MAX_FORM_BYTES:
            return _said(request, "Form too large", "That form is larger than any we send.", 413)
        keys = self.keys_of(request)
        cookie = request.cookies.get(COOKIE, "")
        web_id = session_web_id(keys, cookie) or ""
        core = self.core_of(request)
        try:
            nonce, kind, target, action, reason, part = read_form(
                keys, cookie, await request.post()
            )
            async with core.uow() as u:
                admin = await admin_of(u, web_id)
                if admin is None:
                    return _refused(request, "This account is not an admin.")
                await spend_nonce(u, nonce)
                reply = await act(u, admin, kind, target, action, reason, part)
        except BadForm as bad:
            return _said(request, bad.title, bad.why, bad.status)
        except IntegrityError:  # the same form committed twice at once: the other one won
            return _said(request, "Already sent", ALREADY_SENT, 409)
        return _page(
            request,
            "admin_done.html",
            {"title": "Done", "tables": TABLES, "said": html(reply.text)},
        )

    async def table(self, request: web.Request) -> web.StreamResponse:
        what = request.match_info["what"]
        if what not in TABLES:
            raise web.HTTPNotFound()
        sort = request.query.get("sort", "id")
        descending = request.query.get("dir", "asc") == "desc"
        try:
            page = max(0, int(request.query.get("page", "0")))
        except ValueError:
            page = 0
        async with self.core_of(request).uow() as u:
            header, rows, total = await u.exports.page(
                what, sort, descending, PAGE_ROWS, page * PAGE_ROWS
            )
        if sort not in header:
            sort = header[0]
        pages = max(1, -(-total // PAGE_ROWS))
        return _page(
            request,
            "admin_table.html",
            {
                "title": what.capitalize(),
                "what": what,
                "tables": TABLES,
                "header": header,
                "rows": [[_cell(v) for v in r] for r in rows],
                "sort": sort,
                "descending": descending,
                "page": page,
                "pages": pages,
                "total": total,
            },
        )


def setup_admin_pages(
    app: web.Application, keys_of: Callable[[web.Request], Keys], core_of: CoreOf, *, secure: bool
) -> None:
    setup_templates(app)
    pages = AdminPages(keys_of, core_of, secure)
    app.router.add_get("/admin/login", pages.login)
    app.router.add_get("/admin", pages.guarded(pages.stats))
    app.router.add_get("/admin/queues", pages.guarded(pages.queues))
    app.router.add_post("/admin/act", pages.guarded(pages.act))
    app.router.add_get("/admin/{what}", pages.guarded(pages.table))
