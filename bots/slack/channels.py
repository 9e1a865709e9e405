"""Linked Slack channels, inbound: `/mentor community link CODE` / `unlink` typed in a
channel, and the messages people post in a linked one, handed to core's bridge (their
copies elsewhere are core.relay's job; posting copies here is bots/slack/bridge.py's)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError

from bots.slack.bridge import ClientFor, NoToken, SlackBridge, download, file_host_allowed
from bots.slack.channel_events import (
    ChannelDeleted,
    ChannelEdited,
    ChannelSaid,
    SharedFile,
    from_channel_event,
    from_reaction,
    markup_text,
    mentioned,
)
from bots.slack.inbound import Ignored, Said, Who
from bots.slack.render import messages
from core.app import CoreApp
from core.dialogs.moderate import WORDS as MODERATION_WORDS
from core.markup import typed
from core.messaging import Actor, CommandIn, ConversationKey, Reply
from core.ports import ChatRef
from core.services.relay import FILE_MAX_BYTES, Upload

log = logging.getLogger(__name__)


class Channels:
    def __init__(
        self,
        core: CoreApp,
        bridge: SlackBridge,
        client_for: ClientFor,
        actor_of: Callable[[Who], Awaitable[Actor]],
        name_of: Callable[[str, str], Awaitable[str]],
        *,
        public_url: str = "",
        api_base: str = "",
    ) -> None:
        self.core = core
        self.bridge = bridge
        self.client_for = client_for  # raises NoToken
        self.actor_of = actor_of
        self.name_of = name_of  # (team, user) -> the Slack name, "" when unknown
        self.public_url = public_url
        self.api_base = api_base

    async def link_here(self, actor: Actor, said: Said, respond: Any) -> None:
        """`/mentor community link CODE` / `unlink` typed in a channel act on that channel.
        The answer goes through the command's response_url, which works before the app is
        in the channel; the channel sees it when the link changed."""
        chat = ChatRef("slack", actor.workspace, said.channel)
        assert isinstance(said.inbound, CommandIn)
        linking = said.inbound.args.split(" ")[0].casefold() == "link"
        if linking and not await self._in_channel(actor.workspace, said.channel):
            await _respond(respond, Reply(INVITE_FIRST), in_channel=False)
            return
        before = await self.core.is_linked(chat)
        key = ConversationKey("slack", actor.workspace, said.channel, actor.external_id)
        replies = await self.core.handle(actor, said.inbound, key, once=said.once)
        changed = before != await self.core.is_linked(chat)
        for reply in replies:
            await _respond(respond, reply, in_channel=changed, public_url=self.public_url)

    async def _in_channel(self, team: str, channel: str) -> bool:
        """Whether the app is a member of the channel (conversations.info). A private channel
        the app isn't in is channel_not_found to it. When Slack can't say (an install from
        before channels:read), the link goes ahead and the first copy tells (RelayGone)."""
        try:
            client = await self.client_for(team)
            resp = await client.conversations_info(channel=channel)
        except SlackApiError as exc:
            error = str(exc.response.get("error", ""))
            if error in ("channel_not_found", "not_in_channel"):
                return False
            log.warning("conversations.info %s: %s; linking without the check", channel, error)
            return True
        except (TimeoutError, ClientError, NoToken) as exc:
            log.warning(
                "conversations.info %s failed (%s); linking without the check", channel, exc
            )
            return True
        info = resp.get("channel") or {}
        return bool(info.get("is_member")) and not info.get("is_archived")

    async def on_message(self, body: dict[str, Any]) -> None:
        """A message event in a public or private channel: relayed when the channel is linked
        (core drops a message id it relayed before, so a redelivered event relays once)."""
        what = from_channel_event(body)
        if isinstance(what, Ignored):
            log.debug("slack channel event ignored: %s", what.reason)
            return
        team = what.who.team if isinstance(what, ChannelSaid) else what.team
        chat = ChatRef("slack", team, what.channel)
        if not await self.core.is_linked(chat):
            return
        if isinstance(what, ChannelDeleted):
            await self.core.relay_deleted(chat, what.ts)
            return
        text = await self._markup(team, what.text)
        if isinstance(what, ChannelEdited):
            await self.core.relay_edited(chat, what.ts, text, markup=True)
            return
        if what.thread_ts:
            self.bridge.remember_thread(what.channel, what.ts, what.thread_ts)
        who = what.who if not what.user_name else Who(team, what.who.user, what.user_name)
        actor = await self.actor_of(who)
        upload = None
        if what.file is not None:
            upload = await self._fetch(team, what.file)
            if upload is None:
                text = f"{text}\n{typed(f'📎 {what.file.name} (not relayed)')}".strip()
        await self.core.relay_said(
            actor, chat, what.ts, text, reply_to=what.thread_ts or None, upload=upload, markup=True
        )

    async def on_reaction(self, body: dict[str, Any]) -> None:
        """🚩 on any message of a linked channel (a person's original or the app's copy)
        reports it to the community's moderators; a moderator's 🗑️ deletes it everywhere.
        The person hears back in an ephemeral message; a 🗑️ that worked says nothing (the
        message goes)."""
        what = from_reaction(body)
        if isinstance(what, Ignored):
            log.debug("slack reaction ignored: %s", what.reason)
            return
        chat = ChatRef("slack", what.who.team, what.channel)
        said = await self.core.relay_reacted(
            await self.actor_of(what.who), chat, what.ts, what.action
        )
        if said is None or (said[0] and what.action == "delete"):
            return
        try:
            client = await self.client_for(what.who.team)
            await client.chat_postEphemeral(channel=what.channel, user=what.who.user, text=said[1])
        except (SlackApiError, ClientError, TimeoutError, NoToken) as exc:
            log.warning("slack: ephemeral note to %s failed: %s", what.who.user, exc)

    async def _markup(self, team: str, text: str) -> str:
        """Slack mrkdwn -> core markup, people mentioned with their Slack names."""
        names: dict[str, str] = {}
        for user in mentioned(text):
            name = await self.name_of(team, user)
            if name:
                names[user] = name
        return markup_text(text, names, team)

    async def _fetch(self, team: str, file: SharedFile) -> Upload | None:
        """The shared file's bytes (files:read, the bot token, as Slack documents for
        url_private), up to what core keeps; None over that or when Slack won't give it."""
        if file.size > FILE_MAX_BYTES or not file_host_allowed(file.url, self.api_base):
            return None
        try:
            client = await self.client_for(team)
        except NoToken:
            return None
        data = await download(file.url, client.token or "", FILE_MAX_BYTES)
        return None if data is None else Upload(file.name, file.mime, data)


INVITE_FIRST = (
    "Invite me to this channel first: `/invite @MentorBot`, then run "
    "`/mentor community link CODE` here again."
)


def links_here(said: Said) -> bool:
    """`/mentor community link|unlink|ban …` typed in a channel (not the DM)."""
    inbound = said.inbound
    return (
        not said.in_dm
        and bool(said.channel)
        and isinstance(inbound, CommandIn)
        and inbound.name == "community"
        and inbound.args.split(" ")[0].casefold() in IN_CHANNEL
    )


# /community words that act on the channel they are typed in: linking, and moderation.
IN_CHANNEL = frozenset({"link", "unlink"}) | MODERATION_WORDS


async def _respond(respond: Any, reply: Reply, *, in_channel: bool, public_url: str = "") -> None:
    """Answer through the command's response_url (valid 30 minutes, 5 uses)."""
    for text, blocks in messages([reply], public_url):
        try:
            await respond(
                text=text,
                blocks=blocks,
                response_type="in_channel" if in_channel else "ephemeral",
                replace_original=False,
            )
        except (TimeoutError, ClientError) as exc:
            log.warning("slack response_url answer failed: %s", exc)
