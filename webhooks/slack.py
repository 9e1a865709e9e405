"""Slack's request URLs: POST /webhooks/slack/events (Events API, the /mentor command and
interactivity all point here) and, with OAuth, GET /webhooks/slack/install and
/webhooks/slack/oauth_redirect.

Bolt checks each request's signature (5-minute window) before anything else and dispatches
it to bots.slack's listeners, which ack within Slack's 3 s. Bolt answers 404 to a valid
request it has no listener for; Slack counts that as a failed delivery, so it becomes 200.
"""

from __future__ import annotations

import logging

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.response import BoltResponse

from bots.slack.bot import SlackBot
from bots.slack.paths import EVENTS_PATH, INSTALL_PATH, REDIRECT_PATH
from bots.slack.setup import SLACKBOT, SlackConfig

log = logging.getLogger(__name__)

MAX_BODY = 1024 * 1024  # Slack's payloads are a few KB (a modal's state at most ~100 KB)


def _bot(request: web.Request) -> SlackBot:
    bot = request.app.get(SLACKBOT)
    if bot is None:
        raise web.HTTPServiceUnavailable(text="slack bot is not running")
    return bot


async def _events(request: web.Request) -> web.StreamResponse:
    bot = _bot(request)
    if request.content_length is not None and request.content_length > MAX_BODY:
        return web.Response(status=413, text="too large")
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
    app.router.add_post(EVENTS_PATH, _events)
    if config.use_oauth:
        app.router.add_get(INSTALL_PATH, _install)
        app.router.add_get(REDIRECT_PATH, _oauth_redirect)
    return True
