"""Slack's request URLs: POST /webhooks/slack/events (Events API, the /mentor command and
interactivity all point here) and, with OAuth, GET /webhooks/slack/install and
/webhooks/slack/oauth_redirect.

In order: over 1 MB is 413; Slack's unsigned `ssl_check=1` gets a bare 200; headers that
don't parse as a signature are 401; the signature is checked by
slack_sdk's SignatureVerifier, the one bolt uses (5-minute window), 401 if wrong; a signed
body that can't be a Slack payload (not JSON, nested absurdly, a list where Slack sends a
string) is 400, since bolt would raise on it; then bolt (which checks the signature
again) dispatches it to bots.slack's listeners, which ack within Slack's 3 s. Bolt answers
404 to a valid request it has no listener for; Slack counts that as a failed delivery,
so it becomes 200.
"""

from __future__ import annotations

import logging
import re
from urllib.parse import parse_qs

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.request.internals import parse_body
from slack_bolt.response import BoltResponse
from slack_sdk.signature import SignatureVerifier

from bots.slack.bot import SlackBot
from bots.slack.config import SlackConfig
from bots.slack.inbound import shape_problem
from bots.slack.paths import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH
from bots.slack.setup import SLACKBOT

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack's payloads are a few KB (a modal's state at most ~100 KB)
TIMESTAMP = "X-Slack-Request-Timestamp"
SIGNATURE = "X-Slack-Signature"
_TIMESTAMP = re.compile(r"[0-9]{1,12}")  # Unix seconds, ASCII digits only
_SIGNATURE = re.compile(r"v0=[0-9a-f]{64}")  # HMAC-SHA256, hex
SECRET = web.AppKey("slack_signing_secret", str)


def _headers_parse(request: web.Request) -> tuple[str, str] | None:
    ts = request.headers.get(TIMESTAMP, "")
    sig = request.headers.get(SIGNATURE, "")
    if _TIMESTAMP.fullmatch(ts) is None or _SIGNATURE.fullmatch(sig) is None:
        return None
    return ts, sig


def _is_ssl_check(text: str) -> bool:
    return "ssl_check" in text and parse_qs(text).get("ssl_check") == ["1"]


async def _checked(request: web.Request) -> web.Response | None:
    """The refusal for a request that must not reach bolt, or None."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        return web.Response(status=413, text="too large")
    try:
        text = (await request.read()).decode("utf-8")
    except UnicodeDecodeError:
        return web.Response(status=400, text="not UTF-8")
    except web.HTTPRequestEntityTooLarge:
        return web.Response(status=413, text="too large")
    headers = _headers_parse(request)
    if headers is None:
        if _is_ssl_check(text):
            # Slack's certificate check of a command URL: a 200, nothing else (as bolt does).
            return web.Response(status=200)
        return web.Response(status=401, text="unsigned")
    verifier = SignatureVerifier(request.app[SECRET])
    if not verifier.is_valid(text, headers[0], headers[1]):
        return web.Response(status=401, text="invalid signature")
    try:
        body = parse_body(text, request.content_type)
    except (ValueError, RecursionError):
        return web.Response(status=400, text="not a Slack payload")
    problem = shape_problem(body)
    if problem is not None:
        log.info("slack: signed request refused: %s", problem)
        return web.Response(status=400, text="not a Slack payload")
    return None


def _bot(request: web.Request) -> SlackBot:
    bot = request.app.get(SLACKBOT)
    if bot is None:
        raise web.HTTPServiceUnavailable(text="slack bot is not running")
    return bot


async def _events(request: web.Request) -> web.StreamResponse:
    bot = _bot(request)
    refusal = await _checked(request)
    if refusal is not None:
        return refusal
    response = await bot.bolt.async_dispatch(await to_bolt_request(request))
    if response.status == 404:
        # Signed and parsed, but no listener: acknowledged, or Slack retries it for nothing.
        log.info("slack request with no listener acknowledged")
        response = BoltResponse(status=200, body="")
    return await to_aiohttp_response(response)


async def _install(request: web.Request) -> web.StreamResponse:
    """A new state (stored, and in a cookie), then a redirect to Slack's consent page."""
    flow = _bot(request).bolt.oauth_flow
    if flow is None:
        raise web.HTTPNotFound()
    return await to_aiohttp_response(await flow.handle_installation(await to_bolt_request(request)))


async def _oauth_redirect(request: web.Request) -> web.StreamResponse:
    """Slack comes back here: check the state, exchange the code, store the installation."""
    flow = _bot(request).bolt.oauth_flow
    if flow is None:
        raise web.HTTPNotFound()
    return await to_aiohttp_response(await flow.handle_callback(await to_bolt_request(request)))


def setup_slack_webhook(app: web.Application, config: SlackConfig | None) -> bool:
    """Add the routes; call after bots.slack's setup_slack (it builds the bot they use)."""
    if config is None:
        return False
    app[SECRET] = config.signing_secret
    app.router.add_post(EVENTS_PATH, _events)
    if config.use_oauth:
        app.router.add_get(INSTALL_PATH, _install)
        app.router.add_get(REDIRECT_PATH, _oauth_redirect)
    return True
