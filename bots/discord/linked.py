"""People's messages, edits and deletes in linked Discord channels and threads, handed to the
community bridge (core.relay_said / relay_edited / relay_deleted).

Only people count: this app's own copies, other bots' and webhooks' messages are never
relayed, so nothing loops. Channels no community links are left alone (one lookup each).
Edits come from on_raw_message_edit and deletes from on_raw_message_delete, so messages
discord.py never cached (sent before a restart) follow too.
"""

from __future__ import annotations

import logging

import discord

from bots.discord import relay_in
from bots.inflight import InFlight
from core.app import CoreApp
from core.messaging import Actor
from core.ports import ChatRef
from core.services.relay import Upload

log = logging.getLogger(__name__)

WORKSPACE = "discord"  # as bot.WORKSPACE: Discord ids are global
RELAYED_TYPES = (discord.MessageType.default, discord.MessageType.reply)
# Reactions the bridge acts on: 🚩 reports a message, a moderator's 🗑️ deletes it everywhere
# (the wastebasket with and without its emoji variation selector).
REACTIONS = {"\U0001f6a9": "report", "\U0001f5d1\ufe0f": "delete", "\U0001f5d1": "delete"}


def chat_of(channel_id: int) -> ChatRef:
    """A channel or a thread (a thread is a channel of its own on Discord)."""
    return ChatRef("discord", WORKSPACE, str(channel_id))


def actor_of(user: discord.abc.User) -> Actor:
    return Actor("discord", WORKSPACE, str(user.id), user.display_name or user.name)


def attached_to(message: discord.Message) -> list[relay_in.Attached]:
    return [
        relay_in.Attached(a.filename, a.size, a.content_type or "") for a in message.attachments
    ]


async def first_upload(
    message: discord.Message, attached: list[relay_in.Attached]
) -> Upload | None:
    """The attachment a copy carries (the first, when small enough), downloaded from its
    CDN URL; None when there is none or Discord won't give it."""
    first = relay_in.relayed_file(attached)
    if first is None:
        return None
    try:
        data = await message.attachments[0].read()
    except (discord.HTTPException, OSError) as exc:
        log.warning("discord: attachment of message %s not downloaded: %s", message.id, exc)
        return None
    return Upload(first.name, first.mime or "application/octet-stream", data)


class LinkedChannels:
    def __init__(self, core: CoreApp, client: discord.Client, work: InFlight) -> None:
        self.core = core
        self.client = client
        self.work = work

    def _own_id(self) -> int | None:
        return self.client.user.id if self.client.user is not None else None

    def _reading(self) -> bool:
        """Without the Message Content intent people's messages arrive empty: nothing to relay
        (and an "edit" to empty text must not blank the copies)."""
        return self.client.intents.message_content

    async def said(self, message: discord.Message) -> None:
        if not self._reading():
            return
        author = message.author
        if author.bot or author.system or message.webhook_id is not None:
            return  # this app's own copies included: never relayed back
        if message.type not in RELAYED_TYPES:
            return
        chat = chat_of(message.channel.id)
        async with self.work.busy():
            if not await self.core.is_linked(chat):
                return
            attached = attached_to(message)
            text = relay_in.markup_for_relay(
                message.content,
                {u.id: u.display_name or u.name for u in message.mentions},
                attached,
                self._role_name(message.guild),
                self._channel_name(message.guild),
            )
            ref = message.reference  # also set on a forward, which isn't a reply
            reply_to = (
                str(ref.message_id)
                if message.type == discord.MessageType.reply
                and ref is not None
                and ref.message_id is not None
                and ref.channel_id == message.channel.id
                else None
            )
            upload = await self._upload(message, attached)
            await self.core.relay_said(
                actor_of(author),
                chat,
                str(message.id),
                text,
                reply_to=reply_to,
                upload=upload,
                markup=True,
            )

    async def _upload(
        self, message: discord.Message, attached: list[relay_in.Attached]
    ) -> Upload | None:
        return await first_upload(message, attached)

    async def edited(self, payload: discord.RawMessageUpdateEvent) -> None:
        data = payload.data
        content = data.get("content")
        if not self._reading() or payload.guild_id is None or not isinstance(content, str):
            return  # not a change of text (an embed unfurling, a pin)
        if not relay_in.from_person(data, self._own_id()):
            return
        guild = self.client.get_guild(payload.guild_id)
        text = relay_in.markup_for_relay(
            content,
            relay_in.users_in(data),
            relay_in.attachments_in(data),
            self._role_name(guild),
            self._channel_name(guild),
        )
        async with self.work.busy():
            await self.core.relay_edited(
                chat_of(payload.channel_id), str(payload.message_id), text, markup=True
            )

    async def deleted(self, payload: discord.RawMessageDeleteEvent) -> None:
        if payload.guild_id is None:
            return
        async with self.work.busy():
            await self.core.relay_deleted(chat_of(payload.channel_id), str(payload.message_id))

    async def reacted(self, payload: discord.RawReactionActionEvent) -> None:
        """🚩 on any message of a linked channel (a person's or a copy) files a report; a
        moderator's 🗑️ deletes the message everywhere. The person is told in a DM (Discord
        has no ephemeral answer outside interactions), except after a delete that worked."""
        action = REACTIONS.get(payload.emoji.name or "") if payload.emoji.id is None else None
        if action is None or payload.guild_id is None or payload.user_id == self._own_id():
            return
        user: discord.User | discord.Member | None = payload.member or self.client.get_user(
            payload.user_id
        )
        if user is not None and user.bot:
            return
        async with self.work.busy():
            if user is None:
                try:
                    user = await self.client.fetch_user(payload.user_id)
                except discord.HTTPException as exc:
                    log.warning("discord: reacting user %s unknown: %s", payload.user_id, exc)
                    return
            said = await self.core.relay_reacted(
                actor_of(user), chat_of(payload.channel_id), str(payload.message_id), action
            )
            if said is None or (said[0] and action == "delete"):
                return
            try:
                await user.send(said[1], allowed_mentions=discord.AllowedMentions.none())
            except (discord.HTTPException, discord.RateLimited) as exc:
                log.warning("discord: note to %s not sent (DMs closed?): %s", user.id, exc)

    @staticmethod
    def _role_name(guild: discord.Guild | None) -> relay_in.Lookup:
        def name(role_id: int) -> str | None:
            role = guild.get_role(role_id) if guild is not None else None
            return role.name if role is not None else None

        return name

    def _channel_name(self, guild: discord.Guild | None) -> relay_in.Lookup:
        def name(channel_id: int) -> str | None:
            found = (guild.get_channel_or_thread(channel_id) if guild is not None else None) or (
                self.client.get_channel(channel_id)
            )
            return getattr(found, "name", None)

        return name
