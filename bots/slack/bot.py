"""The Slack adapter's bot: bolt listeners ack within 3 s, call core, answer in the DM."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from aiohttp import ClientError
from slack_bolt.async_app import AsyncApp
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_bolt.response import BoltResponse
from slack_sdk.errors import SlackApiError, SlackRequestError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.web.async_client import AsyncWebClient

from bots.avatars import avatar_host_allowed, fetch_avatar
from bots.inflight import InFlight
from bots.slack.bridge import NoToken, SlackBridge, download, file_host_allowed
from bots.slack.channel_events import (
    ChannelDeleted,
    ChannelEdited,
    dm_change_author,
    from_channel_event,
    is_channel_message,
    is_dm_change,
)
from bots.slack.channels import Channels, links_here
from bots.slack.forms import FIND_EMPTY, check_view, error_response, find_view, form_view
from bots.slack.inbound import (
    APP_HOME_OPENED,
    APP_MENTION,
    APP_UNINSTALLED,
    ASK_SHORTCUT,
    FILE_INFO_REF,
    FIND_BLOCK,
    FIND_SHORTCUT,
    FIND_VIEW,
    MAX_NAME,
    MESSAGE_IM,
    REACTION_ADDED,
    SLACK_FORMS,
    TOKENS_REVOKED,
    Answer,
    FindSubmitted,
    FormSubmitted,
    Gone,
    Ignored,
    OpenHome,
    Pressed,
    Said,
    Who,
    dm_file,
    from_action,
    from_command,
    from_event,
    from_shortcut,
    from_view,
)
from bots.slack.limits import PacedWebClient, SharedRateLimitRetryHandler, SlackLimits
from bots.slack.render import ACTION_PREFIX, LINK_PREFIX, messages, plain, reply_blocks
from core.app import CoreApp
from core.forms import FormRef
from core.markup import esc
from core.messaging import (
    FILE_FETCH_MAX,
    PLATFORM_PHOTO,
    ActionIn,
    Actor,
    Attachment,
    CommandIn,
    FileIn,
    Inbound,
    Reply,
    TextIn,
)
from core.ports import Destination
from core.services.dms import FILE_MAX_BYTES as DM_FILE_MAX
from core.services.relay import Upload
from core.tracing import traced

log = logging.getLogger(__name__)

DEFAULT_API_URL = "https://slack.com/api/"
# Where Slack serves profile images (custom uploads; Gravatar for some accounts).
SLACK_AVATAR_HOSTS = ("slack-edge.com", "secure.gravatar.com")
# Slack's answers meaning this person can't be reached in that workspace any more
# (app uninstalled, token revoked, user deactivated): stop retrying, like Telegram's block.
GONE = frozenset({"account_inactive", "token_revoked", "user_disabled", "user_not_found"})


class NotInstalled(Exception):
    """No bot token for this workspace in the installation store (never or no longer)."""


class SlackBot:
    """Channel for platform "slack", and the bolt app that webhooks/slack.py hands verified
    requests to (and Socket Mode its envelopes): ack, call core, send."""

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
        limits: SlackLimits | None = None,
    ) -> None:
        self.core = core
        # Slack's per-method, per-workspace limits, kept before each call (with Redis: by
        # every worker together); None: only slack_sdk's own 429 retry.
        self.limits = limits
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
        self._relay_clients: dict[str, AsyncWebClient] = {}
        # The community bridge's Slack side, registered with core.relay at setup.
        self.bridge = SlackBridge(self.relay_client, public_url)
        self.channels = Channels(
            core,
            self.bridge,
            self.relay_client,
            self._actor_named,
            self._name_of,
            public_url=public_url,
            api_base=self.base_url,
        )
        self._dm_channels: dict[tuple[str, str], str] = {}
        self._names: dict[tuple[str, str], str] = {}
        self._work = InFlight()
        self._register(oauth=oauth is not None)

    # ---- bookkeeping (tests wait for the work done after ack) -------------------

    async def settle(self, limit_s: float = 15.0) -> None:
        """Wait until no listener is still working (bounded)."""
        await self._work.settle(limit_s)

    def _new_client(self, token: str | None) -> AsyncWebClient:
        client = PacedWebClient(token=token, base_url=self.base_url, limits=self.limits)
        # 429: wait for Retry-After, then try again (slack_sdk's own handler, or ours that
        # first tells every worker the method is paused).
        client.retry_handlers.append(
            AsyncRateLimitErrorRetryHandler(max_retry_count=self._max_retries)
            if self.limits is None
            else SharedRateLimitRetryHandler(self.limits, max_retry_count=self._max_retries)
        )
        return client

    # ---- listeners ------------------------------------------------------------
    def _register(self, *, oauth: bool) -> None:
        """What MentorBot acts on first; then catch-alls, so every valid payload is acked."""
        app = self.bolt
        app.command("/mentor")(self._on_command)
        app.action(re.compile(rf"^{LINK_PREFIX}:"))(_ack_only)  # the browser opens the URL
        app.action(re.compile(rf"^{ACTION_PREFIX}:"))(self._on_action)
        app.view(FIND_VIEW)(self._on_find_submit)
        app.view(re.compile(rf"^{FormRef.prefix}:"))(self._on_submit)
        app.shortcut(FIND_SHORTCUT)(self._on_shortcut)
        app.shortcut(ASK_SHORTCUT)(self._on_shortcut)
        app.event(MESSAGE_IM)(self._on_event)
        app.event(APP_HOME_OPENED)(self._on_event)
        app.event(APP_MENTION)(self._on_event)
        app.event(REACTION_ADDED)(self._on_reaction)
        if not oauth:  # OAuth mode: bolt's revocation listeners delete the installation
            app.event(APP_UNINSTALLED)(self._on_event)
            app.event(TOKENS_REVOKED)(self._on_event)
        # Valid payloads nothing above acts on: acked (2xx) all the same, or Slack counts a
        # failed delivery, retries it and at last turns the request URL off.
        anything = re.compile(".*", re.DOTALL)
        app.event(anything)(_ack_event)
        app.command(anything)(_ack_only)
        app.action(anything)(_ack_only)
        app.shortcut(anything)(_ack_only)
        app.view(anything)(_ack_only)
        app.view_closed(anything)(_ack_only)
        app.options(anything)(_ack_options)
        app.middleware(_rate_limit_notice)
        app.middleware(_trace)

    async def _on_command(self, ack: Any, body: dict[str, Any], respond: Any) -> None:
        async with self._work.busy():
            said = from_command(body)
            if isinstance(said, Ignored):
                await ack()
                log.info("slack command ignored: %s", said.reason)
                return
            if isinstance(said, Said) and links_here(said):
                await ack()
                await self.channels.link_here(self._actor(said.who), said, respond)
                return
            # A form opens as a modal over wherever the command was typed.
            modal = isinstance(said, Said) and self.core.form_for(said.inbound) is not None
            if said.in_dm or modal:
                await ack()
            else:
                await ack(text="I've answered in our direct messages.", response_type="ephemeral")
            actor = self._actor(said.who)
            if isinstance(said, Answer):
                await self.post(actor.workspace, actor.external_id, [said.reply])
                return
            if await self._open_form(actor, said.inbound, said.trigger_id):
                return
            await self._run(actor, said)

    async def _on_action(self, ack: Any, body: dict[str, Any]) -> None:
        async with self._work.busy():
            await ack()
            pressed = from_action(body)
            if isinstance(pressed, Ignored):
                log.info("slack action ignored: %s", pressed.reason)
                return
            said = pressed.said
            actor = self._actor(said.who)
            # A button that opens a form leaves its message as it is (it can open it again).
            if await self._open_form(actor, said.inbound, said.trigger_id):
                return
            await self._mark_chosen(actor.workspace, pressed)
            await self._run(actor, said)

    async def _on_submit(self, ack: Any, body: dict[str, Any]) -> None:
        async with self._work.busy():
            await self._submit(ack, body)

    async def _on_event(self, body: dict[str, Any]) -> None:
        """Events are acked by bolt before this runs (process_before_response=False)."""
        async with self._work.busy():
            if is_channel_message(body):
                await self.channels.on_message(body)
                return
            if is_dm_change(body):
                await self._dm_change(body)
                return
            what = from_event(body)
            if isinstance(what, Ignored):
                log.debug("slack event ignored: %s", what.reason)
            elif isinstance(what, Gone):
                await self._gone(what.team)
            elif isinstance(what, OpenHome):
                await self.publish_home(self._actor(await self._named(what.who)))
            else:
                actor = self._actor(await self._named(what.who))
                if (
                    what.in_dm
                    and isinstance(what.inbound, TextIn | FileIn)
                    and await self._dm_in(actor, body)
                ):
                    return  # a direct message to someone (issue #16)
                await self._run(actor, what)

    async def _dm_in(self, actor: Actor, body: dict[str, Any]) -> bool:
        """A message in the app's DM that belongs to a direct-message thread: a reply in the
        thread of a relayed message, or typed in the "✉️ to …" mode."""
        event = body.get("event") or {}
        text = str(event.get("text") or "")
        ts = str(event.get("ts") or "")
        parent = str(event.get("thread_ts") or "") or None
        thread = await self.core.dm_target(actor, parent, text)
        if thread is None or not ts:
            return False
        upload = None
        shared = dm_file(event) if event.get("subtype") == "file_share" else None
        if shared is not None and shared.ref.startswith(FILE_INFO_REF):
            shared = await self._file_info(actor.workspace, shared)
        if shared is not None:
            upload = await self._dm_upload(actor.workspace, shared)
            if upload is None:
                text = f"{text}\n📎 {shared.name} (not carried: too big or not downloadable)"
        refused = await self.core.dm_said(
            actor, thread, ts, text.strip(), reply_to=parent, upload=upload
        )
        if refused:
            await self.post(actor.workspace, actor.external_id, [Reply(refused)])
        return True

    async def _dm_upload(self, team: str, shared: FileIn) -> Upload | None:
        """A file shared in a direct-message thread, fetched from url_private_download with
        the workspace's bot token (Slack refuses it without one); None over the size a
        thread keeps, or when Slack won't give it."""
        if shared.size > DM_FILE_MAX or not file_host_allowed(shared.ref, self.base_url):
            return None
        try:
            client = await self.client_for(team)
        except NotInstalled:
            return None
        data = await download(shared.ref, client.token or "", DM_FILE_MAX)
        return None if data is None else Upload(shared.name, shared.mime, data)

    async def _file_info(self, team: str, stub: FileIn) -> FileIn:
        """A file the event named by id only: its name, type, size and URL from files.info
        (files:read); the stub when Slack won't say."""
        try:
            client = await self.client_for(team)
            resp = await client.files_info(file=stub.ref.removeprefix(FILE_INFO_REF))
        except (TimeoutError, SlackApiError, ClientError, NotInstalled) as exc:
            log.warning("slack files.info failed: %s", exc)
            return stub
        found = dm_file({"files": [resp.get("file")]})
        return found if found is not None and not found.ref.startswith(FILE_INFO_REF) else stub

    async def _dm_change(self, body: dict[str, Any]) -> None:
        """A person edited or deleted their message in the app's DM: when it was a direct
        message, its copy follows (edits and deletes of the app's own copies are ignored)."""
        what = from_channel_event(body)
        author = dm_change_author(body)
        if not author:
            return
        if isinstance(what, ChannelEdited):
            await self.core.dm_edited("slack", what.team, author, what.ts, what.text)
        elif isinstance(what, ChannelDeleted):
            await self.core.dm_deleted("slack", what.team, author, what.ts)

    async def _on_reaction(self, body: dict[str, Any]) -> None:
        """Acked by bolt first, like every event."""
        async with self._work.busy():
            await self.channels.on_reaction(body)

    async def _on_shortcut(self, ack: Any, body: dict[str, Any]) -> None:
        async with self._work.busy():
            await ack()
            what = from_shortcut(body)
            if isinstance(what, Ignored):
                log.info("slack shortcut ignored: %s", what.reason)
                return
            try:
                client = await self.client_for(what.who.team)
                await client.views_open(trigger_id=what.trigger_id, view=find_view(what.query))
            except (TimeoutError, SlackApiError, ClientError, NotInstalled) as exc:
                # The trigger lasts 3 s: ask in the DM instead, with what the message said.
                log.warning("views.open for the find modal failed (%s); asking in the DM", exc)
                said = Said(what.who, CommandIn("find", what.query))
                await self._run(self._actor(what.who), said)

    async def _on_find_submit(self, ack: Any, body: dict[str, Any]) -> None:
        async with self._work.busy():
            what = from_view(body)
            if not isinstance(what, FindSubmitted):
                await ack()
                return
            if not what.query:
                await ack(response_action="errors", errors={FIND_BLOCK: FIND_EMPTY})
                return
            await ack()  # the modal closes; the mentors found arrive in the DM
            said = Said(what.who, CommandIn("find", what.query))
            await self._run(self._actor(what.who), said)

    async def _actor_named(self, who: Who) -> Actor:
        return self._actor(await self._named(who))

    async def _name_of(self, team: str, user: str) -> str:
        """A person's Slack name ("" when Slack doesn't say), remembered."""
        who = await self._named(Who(team, user))
        if who.name:
            self._names[(team, user)] = who.name
        return who.name

    async def _gone(self, team: str) -> None:
        """Uninstalled or token revoked (one workspace, one token): nobody there can be
        reached until they write again, as OAuth mode finds when the store has no token."""
        marked = await self.core.delivery.mark_workspace_unreachable("slack", team)
        log.info("slack workspace %s is gone: %d accounts marked unreachable", team, marked)

    # ---- forms as modals ----------------------------------------------------------
    async def _open_form(self, actor: Actor, inbound: Inbound, trigger_id: str) -> bool:
        """Open the modal that stands in for this command or button; False: use steps."""
        name = self.core.form_for(inbound)
        if name is None or not trigger_id:
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

    async def _submit(self, ack: Any, body: dict[str, Any]) -> None:
        """view_submission: errors keep the modal open with what was typed; else save."""
        what = from_view(body)
        if not isinstance(what, FormSubmitted):
            await ack()
            return
        actor = self._actor(what.who)
        view = body.get("view")
        view = view if isinstance(view, dict) else {}
        errors = error_response(await self.core.check_form(actor, what.form, what.values), view)
        if errors:
            await ack(response_action="errors", errors=errors)
            return
        await ack()  # closes the modal; the confirmation goes to the DM
        outcome = await self.core.submit_form(actor, what.form, what.values, once=what.once)
        replies = list(outcome.replies)
        if outcome.errors:  # changed between the check and the save: say what, in the DM
            lines = "\n".join(f"- {esc(k)}: {v}" for k, v in outcome.errors.items())
            replies.append(Reply("Nothing was saved — please check:\n" + lines))
        await self.post(actor.workspace, actor.external_id, replies)

    # ---- translation helpers --------------------------------------------------
    def _actor(self, who: Who) -> Actor:
        if who.name:
            self._names[(who.team, who.user)] = who.name
        name = who.name or self._names.get((who.team, who.user), who.user)
        return Actor("slack", who.team, who.user, name)

    async def _named(self, who: Who) -> Who:
        """Events carry only the user id: the name from users.info (cached)."""
        if who.name or (who.team, who.user) in self._names:
            return who
        try:
            client = await self.client_for(who.team)
            resp = await client.users_info(user=who.user)
            profile = (resp.get("user") or {}).get("profile", {})
            name = profile.get("real_name") or profile.get("display_name") or ""
        except (TimeoutError, SlackApiError, ClientError, NotInstalled):
            name = ""
        return Who(who.team, who.user, str(name)[:MAX_NAME])

    async def _fetched(self, team: str, inbound: Inbound) -> Inbound:
        """A file shared in the DM with its bytes (url_private, with the workspace's bot
        token, only to Slack's hosts), for core to read by content; a big one keeps none."""
        if not isinstance(inbound, FileIn) or inbound.data is not None:
            return inbound
        if inbound.size > FILE_FETCH_MAX or not file_host_allowed(inbound.ref, self.base_url):
            return inbound
        try:
            client = await self.client_for(team)
        except NoToken:
            return inbound
        data = await download(inbound.ref, client.token or "", FILE_FETCH_MAX)
        return inbound if data is None else replace(inbound, data=data)

    async def _profile_photo(self, team: str, user: str) -> FileIn | None:
        """The person's own Slack profile image (users.info: image_512, else image_192),
        offered as their profile picture; None: they have only Slack's generated one, or it
        can't be fetched. Slack's avatar URLs are public: no token is sent with them."""
        try:
            client = await self.client_for(team)
            resp = await client.users_info(user=user)
        except (TimeoutError, SlackApiError, ClientError, NotInstalled) as exc:
            log.warning("slack users.info for the profile photo of %s: %s", user, exc)
            return None
        profile = (resp.get("user") or {}).get("profile") or {}
        if not profile.get("is_custom_image"):
            return None  # Slack's initials-on-colour default is not a photo of them
        url = str(profile.get("image_512") or profile.get("image_192") or "")
        if not url or not avatar_host_allowed(url, SLACK_AVATAR_HOSTS, self.base_url):
            return None
        data = await fetch_avatar(url, FILE_FETCH_MAX)
        if data is None:
            return None
        return FileIn("slack-photo", "application/octet-stream", len(data), url, data)

    async def _run(self, actor: Actor, said: Said) -> None:
        inbound = await self._fetched(actor.workspace, said.inbound)
        if isinstance(inbound, ActionIn) and inbound.payload == PLATFORM_PHOTO:
            photo = await self._profile_photo(actor.workspace, actor.external_id)
            inbound = photo or inbound
        replies = await self.core.handle(actor, inbound, once=said.once)
        if isinstance(said.inbound, CommandIn) and said.inbound.name == "help" and replies:
            replies = [*replies, Reply(SLACK_FORMS)]
        if said.thread is not None:
            await self.post_in_thread(actor.workspace, *said.thread, replies)
        else:
            await self.post(actor.workspace, actor.external_id, replies)

    async def _mark_chosen(self, team: str, pressed: Pressed) -> None:
        """Replace the buttons of the message that was answered with what was chosen."""
        message, channel = pressed.message, pressed.channel
        blocks = message.get("blocks")
        # Only in the DM: a find answered in a channel thread keeps its buttons for others.
        if not message or not channel.startswith("D") or not isinstance(blocks, list):
            return
        kept = [b for b in blocks if isinstance(b, dict) and b.get("type") != "actions"]
        kept.append(
            {"type": "context", "elements": [{"type": "mrkdwn", "text": f"✔ {pressed.label}"}]}
        )
        try:
            client = await self.client_for(team)
            await client.chat_update(
                channel=channel,
                ts=str(message.get("ts", "")),
                blocks=kept,
                text=str(message.get("text", "")),
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

    async def relay_client(self, team: str) -> AsyncWebClient:
        """The workspace's client for the bridge: the same token, no 429 retry handler
        (RelayRetry lets core's queue wait instead). Raises NoToken."""
        try:
            token = (await self.client_for(team)).token or ""
        except NotInstalled as exc:
            raise NoToken(team) from exc
        client = self._relay_clients.get(token)
        if client is None:
            if len(self._relay_clients) > 1000:
                self._relay_clients.clear()
            client = PacedWebClient(token=token or None, base_url=self.base_url, limits=self.limits)
            self._relay_clients[token] = client
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
            await self._files(client, channel, reply)

    async def post_in_thread(
        self, team: str, channel: str, thread_ts: str, replies: Sequence[Reply]
    ) -> None:
        """Answers to a mention, under it in its channel."""
        if not replies:
            return
        client = await self.client_for(team)
        for reply in replies:
            for text, blocks in messages([reply], self.public_url):
                await client.chat_postMessage(
                    channel=channel, thread_ts=thread_ts, text=text, blocks=blocks
                )
            await self._files(client, channel, reply, thread_ts)

    async def _files(
        self, client: AsyncWebClient, channel: str, reply: Reply, thread_ts: str = ""
    ) -> None:
        """A reply's image (a chart, with its alt text) and file, uploaded under it."""
        if reply.image is not None:
            image = Attachment("image.png", "image/png", reply.image.png)
            await self._upload(client, channel, image, thread_ts, alt=reply.image.alt)
        if reply.attachment is not None:
            await self._upload(client, channel, reply.attachment, thread_ts)

    async def _upload(
        self,
        client: AsyncWebClient,
        channel: str,
        file: Attachment,
        thread_ts: str = "",
        *,
        alt: str = "",
    ) -> None:
        """The file of a reply (a booking's .ics) right under its message (needs files:write).

        A failed upload is logged, not raised: the message itself went out, and retrying the
        delivery would post it twice.
        """
        try:
            extra: dict[str, Any] = {}
            if thread_ts:
                extra["thread_ts"] = thread_ts
            if alt:
                extra["alt_txt"] = alt[:1000]
            await client.files_upload_v2(
                channel=channel,
                content=file.data,
                filename=file.filename,
                title=alt[:250] if alt else file.filename,
                **extra,
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


async def _ack_only(ack: Any) -> None:
    await ack()


async def _ack_event() -> None:
    """bolt acks events itself; an event nobody subscribed to ends here."""


async def _ack_options(ack: Any) -> None:
    await ack(options=[])


async def _trace(body: dict[str, Any], next: Any) -> BoltResponse | None:
    """Socket Mode events carry no HTTP request id: the event's own id is theirs (over HTTP
    the request's id is kept; core.tracing)."""
    rid = str(body.get("event_id") or body.get("trigger_id") or "")
    if not rid:
        await next()
        return None
    with traced(f"sl:{rid}", f"slack {body.get('type', 'event')} {rid}"):
        await next()
    return None


async def _rate_limit_notice(body: dict[str, Any], next: Any) -> BoltResponse | None:
    """app_rate_limited (sent to the events URL; no listener kind exists for it): log, 200."""
    if body.get("type") == "app_rate_limited":
        log.warning("slack rate-limited this app's events for team %s", body.get("team_id"))
        return BoltResponse(status=200, body="")
    await next()
    return None
