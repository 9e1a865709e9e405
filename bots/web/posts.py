"""Mentor posts on the web: the public page /posts/{id} and Atom feeds per mentor
(/mentors/{id}/posts.atom) and per community (/c/{slug}/posts.atom)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime

from aiohttp import web

from bots.web.layout import render
from core.app import CoreApp
from core.markup import to_html
from core.services.posts import PostView, post_url

CoreOf = Callable[[web.Request], CoreApp]
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

ATOM = "http://www.w3.org/2005/Atom"
CSP = "default-src 'none'; style-src 'self'; img-src 'self'; frame-ancestors 'none'"
MAX_ID_DIGITS = 10
# Characters XML 1.0 can't hold at all (escaping doesn't help): dropped from feeds.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _id(request: web.Request, name: str) -> int | None:
    raw = request.match_info[name]
    return int(raw) if raw.isdigit() and len(raw) <= MAX_ID_DIGITS else None


def _secure(resp: web.StreamResponse) -> web.StreamResponse:
    resp.headers["Content-Security-Policy"] = CSP
    resp.headers["X-Content-Type-Options"] = "nosniff"
    resp.headers["Referrer-Policy"] = "same-origin"
    return resp


def _not_found(request: web.Request, what: str) -> web.StreamResponse:
    return _secure(render(request, "message.html", {"title": "Not found", "text": what}, 404))


def atom_feed(
    feed_id: str,
    title: str,
    self_url: str,
    posts: Sequence[PostView],
    public_url: str,
    now: datetime,
) -> bytes:
    """A valid Atom 1.0 document (RFC 4287): every text is escaped by the serializer."""
    ET.register_namespace("", ATOM)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        el = ET.SubElement(
            parent, f"{{{ATOM}}}{tag}", {k: _NOT_XML.sub("", v) for k, v in attrs.items()}
        )
        if text is not None:
            el.text = _NOT_XML.sub("", text)
        return el

    feed = ET.Element(f"{{{ATOM}}}feed")
    sub(feed, "id", feed_id)
    sub(feed, "title", title)
    newest = max((p.created_at for p in posts), default=now)
    sub(feed, "updated", newest.astimezone(UTC).isoformat())
    sub(feed, "link", rel="self", href=self_url)
    sub(sub(feed, "author"), "name", "MentorBot")
    for p in posts:
        url = post_url(public_url, p.id)
        entry = sub(feed, "entry")
        sub(entry, "id", url)
        sub(entry, "title", p.title)
        sub(entry, "updated", p.created_at.astimezone(UTC).isoformat())
        sub(entry, "published", p.created_at.astimezone(UTC).isoformat())
        sub(sub(entry, "author"), "name", p.author_name)
        sub(entry, "link", rel="alternate", type="text/html", href=url)
        for tag in p.tags:
            sub(entry, "category", term=tag)
        sub(entry, "content", to_html(p.body), type="html")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def _atom(body: bytes) -> web.StreamResponse:
    return _secure(
        web.Response(
            body=body,
            content_type="application/atom+xml",
            charset="utf-8",
            headers={"Cache-Control": "public, max-age=300"},
        )
    )


def page_handler(core_of: CoreOf) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        core = core_of(request)
        post_id = _id(request, "id")
        p = await core.post(post_id) if post_id is not None else None
        if p is None:
            return _not_found(request, "There is no such post (it may have been deleted).")
        base = core.deps.policies.public_url.rstrip("/")
        context = {
            "post": p,
            "date": p.created_at.astimezone(UTC).strftime("%d %b %Y"),
            "body": to_html(p.body),
            "feed": f"{base}/mentors/{p.author_id}/posts.atom",
        }
        return _secure(render(request, "post.html", context))

    return handler


def mentor_feed_handler(core_of: CoreOf) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        core = core_of(request)
        base = core.deps.policies.public_url.rstrip("/")
        mentor_id = _id(request, "id")
        found = await core.mentor_posts(mentor_id) if mentor_id is not None else None
        if found is None:
            return _not_found(request, "There is no such mentor.")
        name, posts = found
        url = f"{base}/mentors/{mentor_id}/posts.atom"
        return _atom(atom_feed(url, f"Posts by {name}", url, posts, base, core.clock.now()))

    return handler


def community_feed_handler(core_of: CoreOf) -> Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        core = core_of(request)
        base = core.deps.policies.public_url.rstrip("/")
        slug = request.match_info["slug"]
        found = await core.community_posts(slug) if len(slug) <= 48 else None
        if found is None:
            return _not_found(request, "There is no such community.")
        name, posts = found
        url = f"{base}/c/{slug}/posts.atom"
        return _atom(atom_feed(url, f"Mentor posts in {name}", url, posts, base, core.clock.now()))

    return handler


def setup_posts(app: web.Application, core_of: CoreOf) -> None:
    app.router.add_get("/posts/{id}", page_handler(core_of))
    app.router.add_get("/mentors/{id}/posts.atom", mentor_feed_handler(core_of))
    app.router.add_get("/c/{slug}/posts.atom", community_feed_handler(core_of))
