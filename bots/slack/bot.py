"""The Slack adapter: bolt listeners translate, ack within 3 s, call core, answer in the DM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import AsyncIterator, Sequence
from typing import Any

from aiohttp import ClientError, web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bots.inflight import InFlight
from bots.slack.commands import SLACK_FORMS, parse_subcommand
from bots.slack.forms import check_view, error_response, form_view, submitted_values
from bots.slack.oauth import INSTALL_PATH, REDIRECT_PATH, oauth_settings
from bots.slack.render import ACTION_PREFIX, LINK_PREFIX, messages, plain, reply_blocks
from core.app import CoreApp
from core.db.inbound import first_seen
from core.forms import FormRef
from core.markup import esc
from core.messaging import ActionIn, Actor, Attachment, CommandIn, Inbound, Reply, parse_text
from core.payloads import MAX_CHARS
from core.ports import Destination

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
# Slack's answers meaning this person can't be reached in that workspace any more
# (app uninstalled, token revoked, user deactivated): stop retrying, like Telegram's block.
GONE = frozenset({"account_inactive", "token_revoked", "user_disabled", "user_not_found"})


class NotInstalled(Exception):
    """No bot token for this workspace in the installation store (never or no longer)."""


class SlackBot:
    """Channel for platform "slack" and the bolt app behind POST /webhooks/slack/events."""

    platform = "slack"

    def __init__(
        self,
        core: CoreApp,
        *,
        signing_secret: str,
        bot_token: str = "",
        oauth: AsyncOAuthSettings | None = None,
        api_url: str = "",
        public_url: str = "",
        max_rate_limit_retries: int = 3,
    ) -> None:
        self.core = core
        self.public_url = public_url
        self.base_url = (api_url or DEFAULT_API_URL).rstrip("/") + "/"
        self._max_retries = max_rate_limit_retries
        # Single-token mode: this client serves the one workspace. OAuth mode: it has no
        # token and makes the install flow's calls (oauth.v2.access, auth.test) against
        # base_url; each workspace's own calls go through client_for(team).
        self.client = self._new_client(bot_token or None)
        self.installations: AsyncInstallationStore | None = None
        if oauth is not None:
            self.installations = oauth.installation_store
            # Inbound requests: bolt finds the workspace's bot in the store (authorize).
            self.bolt = AsyncApp(
                signing_secret=signing_secret,
                client=self.client,
                process_before_response=False,
                oauth_settings=oauth,
            )
            # app_uninstalled / tokens_revoked: bolt deletes the workspace's rows.
            self.bolt.enable_token_revocation_listeners()
            # Token rotation (if the app turns it on) calls Slack too: same API base.
            rotator = getattr(oauth.authorize, "token_rotator", None)
            if rotator is not None:
                rotator.client = self.client
        else:
            self.bolt = AsyncApp(
                signing_secret=signing_secret,
                client=self.client,
                process_before_response=False,
                # A single workspace from MENTORBOT_SLACK_BOT_TOKEN: auth.test once, lazily.
            )
        self._clients: dict[str, AsyncWebClient] = {}
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._names: dict[tuple[str, str], str] = {}
        self._work = InFlight()
        self._register()

    # ---- bookkeeping (tests wait for the work done after ack) -------------------

    async def settle(self, limit_s: float = 15.0) -> None:
        """Wait until no listener is still working (bounded)."""
        await self._work.settle(limit_s)

    def _new_client(self, token: str | None) -> AsyncWebClient:
        client = AsyncWebClient(token=token, base_url=self.base_url)
        # 429: wait for Retry-After, then try again (slack_sdk's own handler).
        client.retry_handlers.append(
            AsyncRateLimitErrorRetryHandler(max_retry_count=self._max_retries)
        )
        return client

    # ---- HTTP entry -----------------------------------------------------------
    async def handle_http(self, request: web.Request) -> web.Response:
        bolt_request = await to_bolt_request(request)
        bolt_response = await self.bolt.async_dispatch(bolt_request)
        return await to_aiohttp_response(bolt_response)

    async def handle_install(self, request: web.Request) -> web.Response:
        """GET /webhooks/slack/install: a new state (stored, and in a cookie), then Slack."""
        flow = self.bolt.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        bolt_response = await flow.handle_installation(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    async def handle_oauth_redirect(self, request: web.Request) -> web.Response:
        """GET /webhooks/slack/oauth_redirect: check the state, exchange the code, store."""
        flow = self.bolt.oauth_flow
        if flow is None:
            raise web.HTTPNotFound()
        bolt_response = await flow.handle_callback(await to_bolt_request(request))
        return await to_aiohttp_response(bolt_response)

    # ---- listeners ------------------------------------------------------------
    def _register(self) -> None:
        app = self.bolt

        @app.command("/mentor")
        async def on_command(ack: Any, body: dict[str, Any]) -> None:
            async with self._work.busy():
                in_dm = str(body.get("channel_id", "")).startswith("D")
                parsed = parse_subcommand(str(body.get("text", "")))
                # A form opens as a modal over wherever the command was typed.
                modal = not isinstance(parsed, Reply) and self.core.form_for(parsed) is not None
                await ack() if in_dm or modal else await ack(
                    text="I've answered in our direct messages.", response_type="ephemeral"
                )
                actor = self._actor(
                    str(body.get("team_id", "")),
                    str(body.get("user_id", "")),
                    str(body.get("user_name", "")),
                )
                if isinstance(parsed, Reply):
                    await self.post(actor.workspace, actor.external_id, [parsed])
                    return
                if await self._open_form(actor, parsed, body.get("trigger_id")):
                    return
                await self._run(actor, parsed)

        @app.action(re.compile(rf"^{ACTION_PREFIX}:"))
        async def on_action(ack: Any, body: dict[str, Any]) -> None:
            async with self._work.busy():
                await ack()
                action = (body.get("actions") or [{}])[0]
                payload = action.get("value")
                label = action.get("text", {}).get("text", "")
                if payload is None and action.get("selected_option"):
                    payload = action["selected_option"].get("value")
                    label = action["selected_option"].get("text", {}).get("text", "")
                if not isinstance(payload, str) or len(payload) > MAX_CHARS:
                    return
                user = body.get("user", {})
                team = str(user.get("team_id") or body.get("team", {}).get("id", ""))
                actor = self._actor(team, str(user.get("id", "")), str(user.get("name", "")))
                # A button that opens a form leaves its message as it is (it can open it again).
                if await self._open_form(actor, ActionIn(payload), body.get("trigger_id")):
                    return
                await self._mark_chosen(team, body, label)
                await self._run(actor, ActionIn(payload))

        @app.view(re.compile(rf"^{FormRef.prefix}:"))
        async def on_submit(ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
            async with self._work.busy():
                await self._submit(ack, body, view)

        @app.action(re.compile(rf"^{LINK_PREFIX}:"))
        async def on_link(ack: Any) -> None:
            await ack()  # the browser opens the URL; nothing to do here

        @app.event("message")
        async def on_message(body: dict[str, Any], event: dict[str, Any]) -> None:
            async with self._work.busy():
                if event.get("channel_type") != "im" or event.get("subtype") or event.get("bot_id"):
                    return
                team = str(body.get("team_id") or event.get("team", ""))
                if not await self._first_time(team, body):
                    return
                user_id = str(event.get("user", ""))
                name = await self._display_name(team, user_id)
                text = str(event.get("text", ""))
                if not text.strip():
                    return
                await self._run(self._actor(team, user_id, name), parse_text(text[:4000]))

        @app.event("app_home_opened")
        async def on_home(body: dict[str, Any], event: dict[str, Any]) -> None:
            async with self._work.busy():
                if event.get("tab") != "home":
                    return
                team = str(body.get("team_id", ""))
                user_id = str(event.get("user", ""))
                if not await self._first_time(team, body):
                    return
                name = await self._display_name(team, user_id)
                await self.publish_home(self._actor(team, user_id, name))

    # ---- forms as modals ----------------------------------------------------------
    async def _open_form(self, actor: Actor, inbound: Inbound, trigger_id: object) -> bool:
        """Open the modal that stands in for this command or button; False: use steps."""
        name = self.core.form_for(inbound)
        if name is None or not isinstance(trigger_id, str) or not trigger_id:
            return False
        form = await self.core.open_form(actor, name)
        if form is None:
            return False  # not open to this person: the step dialog says why
        view = form_view(form, self.public_url)
        for problem in check_view(view):
            log.warning("slack modal %s: %s", form.name, problem)
        try:
            client = await self.client_for(actor.workspace)
            await client.views_open(trigger_id=trigger_id, view=view)
        except (TimeoutError, SlackApiError, ClientError, NotInstalled) as exc:
            # The trigger expires after 3 s: fall back to the questions in the DM.
            log.warning("views.open for %s failed (%s); asking in the DM", form.name, exc)
            return False
        return True

    async def _submit(self, ack: Any, body: dict[str, Any], view: dict[str, Any]) -> None:
        """view_submission: errors keep the modal open with what was typed; else save."""
        ref = FormRef.parse(str(view.get("callback_id", "")))
        user = body.get("user", {})
        team = str(user.get("team_id") or (body.get("team") or {}).get("id", ""))
        actor = self._actor(team, str(user.get("id", "")), str(user.get("name", "")))
        if ref is None:
            await ack()
            return
        values = submitted_values(view)
        errors = error_response(await self.core.check_form(actor, ref.name, values), view)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()  # closes the modal; the confirmation goes to the DM
        outcome = await self.core.submit_form(actor, ref.name, values)
        replies = list(outcome.replies)
        if outcome.errors:  # changed between the check and the save: say what, in the DM
            lines = "\n".join(f"- {esc(k)}: {v}" for k, v in outcome.errors.items())
            replies.append(Reply("Nothing was saved — please check:\n" + lines))
        await self.post(actor.workspace, actor.external_id, replies)

    # ---- translation helpers --------------------------------------------------
    def _actor(self, team: str, user_id: str, name: str) -> Actor:
        if name:
            self._names[(team, user_id)] = name
        return Actor("slack", team, user_id, name or self._names.get((team, user_id), user_id))

    async def _first_time(self, team: str, body: dict[str, Any]) -> bool:
        """Slack retries (X-Slack-Retry-Num) carry the same event_id: act on it once."""
        event_id = body.get("event_id")
        if not isinstance(event_id, str) or not event_id:
            return True
        async with self.core.db.transaction() as s:
            fresh = await first_seen(s, f"slack:{team}"[:32], event_id, self.core.clock.now())
        if not fresh:
            log.info("slack event %s already processed; ignored", event_id)
        return fresh

    async def _display_name(self, team: str, user_id: str) -> str:
        known = self._names.get((team, user_id))
        if known:
            return known
        try:
            client = await self.client_for(team)
            resp = await client.users_info(user=user_id)
            profile = (resp.get("user") or {}).get("profile", {})
            name = profile.get("real_name") or profile.get("display_name") or ""
        except (TimeoutError, SlackApiError, ClientError, NotInstalled):
            name = ""
        if name:
            self._names[(team, user_id)] = str(name)
        return str(name)

    async def _run(self, actor: Actor, inbound: Inbound) -> None:
        replies = await self.core.handle(actor, inbound)
        if isinstance(inbound, CommandIn) and inbound.name == "help":
            replies = [*replies, Reply(SLACK_FORMS)]
        await self.post(actor.workspace, actor.external_id, replies)

    async def _mark_chosen(self, team: str, body: dict[str, Any], label: str) -> None:
        """Replace the buttons of the message that was answered with what was chosen."""
        message = body.get("message")
        channel = (body.get("container") or {}).get("channel_id") or (
            body.get("channel") or {}
        ).get("id")
        if not message or not channel:
            return
        blocks = [b for b in message.get("blocks", []) if b.get("type") != "actions"]
        blocks.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"✔ {label[:200]}"}]}
        )
        try:
            client = await self.client_for(team)
            await client.chat_update(
                channel=channel, ts=message.get("ts"), blocks=blocks, text=message.get("text", "")
            )
        except (TimeoutError, SlackApiError, ClientError, NotInstalled):
            log.warning("could not update the answered message in %s", channel)

    # ---- outbound -------------------------------------------------------------
    async def client_for(self, team: str) -> AsyncWebClient:
        """The Web API client holding this workspace's bot token.

        Single-token mode: the one client. OAuth mode: the token installed for the team,
        looked up in the installation store on every call, so a reinstall (new token) or an
        uninstall made by another worker is seen at once. Raises NotInstalled.
        """
        if self.installations is None:
            return self.client
        bot = await self.installations.async_find_bot(enterprise_id=None, team_id=team)
        if bot is None or not bot.bot_token:
            raise NotInstalled(team)
        client = self._clients.get(bot.bot_token)
        if client is None:
            if len(self._clients) > 1000:  # tokens of old installs: start afresh
                self._clients.clear()
            client = self._clients[bot.bot_token] = self._new_client(bot.bot_token)
        return client

    async def dm_channel(self, team: str, user_id: str) -> str:
        key = (team, user_id)
        if key not in self._dm_channels:
            client = await self.client_for(team)
            resp = await client.conversations_open(users=user_id)
            self._dm_channels[key] = str(resp["channel"]["id"])
        return self._dm_channels[key]

    async def post(self, team: str, user_id: str, replies: Sequence[Reply]) -> None:
        if not replies:
            return
        client = await self.client_for(team)
        channel = await self.dm_channel(team, user_id)
        for reply in replies:
            for text, blocks in messages([reply], self.public_url):
                await client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            if reply.attachment is not None:
                await self._upload(client, channel, reply.attachment)

    async def _upload(self, client: AsyncWebClient, channel: str, file: Attachment) -> None:
        """The file of a reply (a booking's .ics) right under its message (needs files:write).

        A failed upload is logged, not raised: the message itself went out, and retrying the
        delivery would post it twice.
        """
        try:
            await client.files_upload_v2(
                channel=channel, content=file.data, filename=file.filename, title=file.filename
            )
        except (TimeoutError, SlackApiError, SlackRequestError, ClientError) as exc:
            log.warning("slack upload of %s to %s failed: %s", file.filename, channel, exc)

    async def deliver(self, to: Destination, replies: Sequence[Reply]) -> bool:
        """Channel: notifications for people whose primary account is in Slack."""
        try:
            await self.post(to.workspace, to.external_id, replies)
        except NotInstalled:
            # Uninstalled or never installed: don't retry for ever; a message from the
            # person (after a reinstall) clears the mark (Identity.resolve).
            log.info("slack workspace %s has no installation; %s unreachable", to.workspace, to)
            await self.core.delivery.mark_unreachable(to.account_id)
            return False
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            # Several workspaces: a workspace (or person) gone is not retried. With one bot
            # token, errors keep being retried as before.
            if self.installations is not None and error in GONE:
                log.info("slack %s/%s unreachable: %s", to.workspace, to.external_id, error)
                await self.core.delivery.mark_unreachable(to.account_id)
            else:
                log.warning("slack delivery to %s/%s failed: %s", to.workspace, to.external_id, exc)
            return False
        except (TimeoutError, ClientError) as exc:
            log.warning("slack delivery to %s/%s failed: %s", to.workspace, to.external_id, exc)
            return False
        return True

    async def publish_home(self, actor: Actor) -> None:
        """App Home: profile, upcoming sessions and wallet, from core; buttons as in the DM."""
        blocks: list[dict[str, Any]] = [{"type": "header", "text": plain("MentorBot", 150)}]
        for i, reply in enumerate(await self.core.home(actor)):
            if i:
                blocks.append({"type": "divider"})
            blocks += reply_blocks(reply, self.public_url)
        blocks.append(
            {
                "type": "context",
                "elements": [
                    {
                        "type": "mrkdwn",
                        "text": "Statement and withdrawals: `/mentor wallet` · "
                        "everything else: `/mentor help`.",
                    }
                ],
            }
        )
        client = await self.client_for(actor.workspace)
        await client.views_publish(
            user_id=actor.external_id, view={"type": "home", "blocks": blocks[:100]}
        )


SLACKBOT = web.AppKey("slackbot", SlackBot)


async def _events(request: web.Request) -> web.StreamResponse:
    return await request.app[SLACKBOT].handle_http(request)


async def _install(request: web.Request) -> web.StreamResponse:
    return await request.app[SLACKBOT].handle_install(request)


async def _oauth_redirect(request: web.Request) -> web.StreamResponse:
    return await request.app[SLACKBOT].handle_oauth_redirect(request)


def setup_slack(
    app: web.Application,
    core_key: web.AppKey[CoreApp],
    *,
    signing_secret: str,
    bot_token: str,
    api_url: str = "",
    public_url: str = "",
    app_token: str = "",
    client_id: str = "",
    client_secret: str = "",
    path: str = "/webhooks/slack/events",
) -> None:
    """Mount the Slack endpoint; the bot is built once core exists and registered for delivery.

    With an app-level token (`xapp-…`) the bot also connects out over Socket Mode, for
    workspaces that can't expose a URL: the same listeners, acks sent over the socket.

    Without a bot token, a client id and secret turn on the OAuth install flow for several
    workspaces: GET /webhooks/slack/install and /webhooks/slack/oauth_redirect, with
    bolt's installation and state stores in MentorBot's database.
    """
    use_oauth = not bot_token and bool(client_id and client_secret)
    if bot_token and (client_id or client_secret):
        log.warning("slack: a bot token is set, so the OAuth install flow is off")

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        core = app[core_key]
        oauth = (
            oauth_settings(
                client_id=client_id,
                client_secret=client_secret,
                engine=core.db.engine,
                public_url=public_url,
            )
            if use_oauth
            else None
        )
        bot = SlackBot(
            core,
            signing_secret=signing_secret,
            bot_token=bot_token,
            oauth=oauth,
            api_url=api_url,
            public_url=public_url,
        )
        core.delivery.register(bot)
        app[SLACKBOT] = bot
        socket: AsyncSocketModeHandler | None = None
        if app_token:
            socket = AsyncSocketModeHandler(bot.bolt, app_token=app_token, web_client=bot.client)
            try:
                await socket.connect_async()  # type: ignore[no-untyped-call]
                log.info("slack socket mode connected")
            except (TimeoutError, SlackApiError, ClientError) as exc:
                log.error("slack socket mode could not connect: %s", exc)
        yield
        if socket is not None:
            await socket.close_async()  # type: ignore[no-untyped-call]
        core.delivery.unregister("slack")
        with contextlib.suppress(asyncio.TimeoutError):
            await bot.settle(limit_s=5)

    app.cleanup_ctx.append(ctx)
    app.router.add_post(path, _events)
    if use_oauth:
        app.router.add_get(INSTALL_PATH, _install)
        app.router.add_get(REDIRECT_PATH, _oauth_redirect)
