"""Security headers on every HTTP response (issue 18, part 6), as one aiohttp middleware.

A page that sets its own Content-Security-Policy (web chat, rooms, call rooms, posts, the
Razorpay checkout) keeps it, with `frame-ancestors 'none'` added when it lacks one; every other
response gets DEFAULT_CSP: scripts only from this origin (no inline script anywhere), no
framing, no plugins, forms posting only here. Inline <style> is still allowed by the default
(the pay pages carry theirs); inline script never is.
"""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

DEFAULT_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}


def apply(resp: web.StreamResponse | web.HTTPException) -> None:
    if isinstance(resp, web.StreamResponse) and resp.prepared:
        return  # a WebSocket or a stream that already sent its headers
    headers = resp.headers
    for name, value in HEADERS.items():
        headers.setdefault(name, value)
    csp = headers.get("Content-Security-Policy")
    if csp is None:
        headers["Content-Security-Policy"] = DEFAULT_CSP
    elif "frame-ancestors" not in csp:
        headers["Content-Security-Policy"] = csp.rstrip("; ") + "; frame-ancestors 'none'"


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        resp = await handler(request)
    except web.HTTPException as exc:
        apply(exc)
        raise
    apply(resp)
    return resp
