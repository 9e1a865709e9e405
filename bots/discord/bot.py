"""The Discord adapter: acknowledge every interaction, hand it to core, send the answers.

Every interaction goes through `on_interaction`: inbound.translate says what it is; this
module answers within Discord's 3 seconds (a deferral first when core's work follows) and
sends core's replies as follow-ups. The command tree only declares /mentor for registration.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
from discord import app_commands

from bots.discord import inbound as ib
from bots.discord import relay_in
from bots.discord.announce import Announcer
from bots.discord.bridge import DiscordBridge
from bots.discord.commands import declared
from bots.discord.forms import FormPages
from bots.discord.limits import DiscordLimits
from bots.discord.linked import LinkedChannels, attached_to, chat_of, first_upload
from bots.discord.registration import add_commands, sync
from bots.discord.render import MAX_CONTENT, render
from bots.discord.ui import question_modal, send_kwargs
from bots.inflight import InFlight
from core.app import CoreApp
from core.dialogs.moderate import WORDS as MODERATION_WORDS
from core.messaging import (
    FILE_FETCH_MAX,
    PLATFORM_PHOTO,
    ActionIn,
    Actor,
    CommandIn,
    ConversationKey,
    FileIn,
    Inbound,
    Reply,
    TextIn,
)
from core.ports import Destination, Lease
from core.tracing import traced

log = logging.getLogger(__name__)

WORKSPACE = "discord"  # Discord user ids are global: one account per person, any guild
DMS_CLOSED = 50007  # "Cannot send messages to this user"
FORM_BUDGET_S = 2.0  # a modal must be the first answer, within Discord's 3 s
NOT_A_COMMUNITY = "That message isn't in a channel linked to a community: nothing to report."
NOT_ALLOWED = "Only someone with **Manage Server** can set MentorBot up, in the server."
# `/mentor community VERB …` that acts on the channel it is run in (core reads it from the
# key). Only one-step verbs: a dialog of several steps (create) continues in the person's
# own conversation, where the "Answer here" modals send its answers.
# /community words that act on the channel they run in: linking, and moderation.
IN_CHANNEL = frozenset({"link", "unlink"}) | MODERATION_WORDS
LEASE_POLL_S = 0.5  # how soon a taken or lost gateway lease is acted on
MAX_RATELIMIT_WAIT_S = 30.0  # discord.py's smallest allowed max_ratelimit_timeout
# Linked channels are read for the community bridge: server messages, with their content
# (a privileged intent, switched on for the bot in the Developer Portal).
INTENTS = discord.Intents.default()
INTENTS.guild_messages = True
INTENTS.message_content = True
# 🚩 and 🗑️ reactions on messages in linked channels (GUILD_MESSAGE_REACTIONS, not privileged).
INTENTS.guild_reactions = True
WITHOUT_CONTENT = discord.Intents.default()  # the same, message content left off
WITHOUT_CONTENT.guild_reactions = True
NO_CONTENT_INTENT = (
    "discord: this bot may not use the Message Content intent (Developer Portal → Bot → "
    "Privileged Gateway Intents); connecting without it: commands and DMs work, messages "
    "in community-linked channels are not relayed"
)


def invalid_request_trace(on_invalid: Any) -> aiohttp.TraceConfig:
    """Every HTTP answer discord.py gets (REST and interaction webhooks share its session).

    Discord counts 401, 403 and 429 answers as invalid requests (except 429s of a shared
    rate limit) and bans an IP for a while after 10,000 of them in 10 minutes.
    """
    trace = aiohttp.TraceConfig()

    async def on_end(
        session: aiohttp.ClientSession,
        ctx: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        status = params.response.status
        shared = params.response.headers.get("X-RateLimit-Scope") == "shared"
        if status in (401, 403) or (status == 429 and not shared):
            on_invalid(params.method, params.url.path, status)

    trace.on_request_end.append(on_end)
    return trace


# Which worker holds the Discord gateway connection (mentorbot/leader.py elects it).
GatewayLease = Lease


class DeclaringTree(app_commands.CommandTree[discord.Client]):
    """Declares /mentor for registration; the bot translates the interactions itself, so a
    wrong option type or an unknown subcommand is refused in words, never run."""

    async def interaction_check(self, interaction: discord.Interaction[Any], /) -> bool:
        return False


class MentorClient(discord.Client):
    def __init__(
        self, bot: DiscordBot, *, shard_id: int | None = None, shard_count: int | None = None
    ) -> None:
        trace = invalid_request_trace(bot.invalid_request)
        if bot.limits is not None:  # Discord's limits, kept before each request (limits.py)
            bot.limits.attach(trace)
        super().__init__(
            intents=INTENTS,
            http_trace=trace,
            # A longer wait comes back as RateLimited: the relay queue and the outbox retry
            # later instead of holding a send for as long as Discord says.
            max_ratelimit_timeout=MAX_RATELIMIT_WAIT_S,
            shard_id=shard_id,
            shard_count=shard_count,
        )
        self.mentorbot = bot
        self.tree = DeclaringTree(self)
        add_commands(self.tree)

    def without_message_content(self) -> None:
        """For a bot not granted the privileged Message Content intent: connect without it
        (discord.py reads the intents from its connection state when it identifies)."""
        self._connection._intents = WITHOUT_CONTENT

    # With several shards this (the REST) client has no gateway of its own: the servers and
    # channels it is asked about are in the cache of the shard client that holds them.
    def get_guild(self, id: int, /) -> discord.Guild | None:
        found = super().get_guild(id)
        for shard in self.mentorbot.shard_clients.values() if found is None else ():
            found = found or shard.get_guild(id)
        return found

    def get_channel(self, id: int, /) -> Any:
        found = super().get_channel(id)
        for shard in self.mentorbot.shard_clients.values() if found is None else ():
            found = found or shard.get_channel(id)
        return found

    async def setup_hook(self) -> None:
        # Logged in (the application id is known), not yet on the gateway: interactions
        # for the commands can only arrive once they are registered.
        await self.mentorbot.register_commands()

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        with traced(f"dc:{interaction.id}", f"discord interaction {interaction.id}"):
            await self.mentorbot.on_interaction(interaction)

    async def on_message(self, message: discord.Message) -> None:
        with traced(f"dc:{message.id}", f"discord message {message.id}"):
            # A server's message whose server isn't cached (yet) has no guild but a guild_id.
            if message.guild is None and getattr(message.channel, "guild_id", None) is None:
                await self.mentorbot.on_dm(message)
            else:
                await self.mentorbot.relay.said(message)

    async def on_raw_message_edit(self, payload: discord.RawMessageUpdateEvent) -> None:
        with traced(f"dc:edit:{payload.message_id}", f"discord edit {payload.message_id}"):
            if payload.guild_id is None:
                await self.mentorbot.dm_edited(payload)
            else:
                await self.mentorbot.relay.edited(payload)

    async def on_raw_message_delete(self, payload: discord.RawMessageDeleteEvent) -> None:
        with traced(f"dc:delete:{payload.message_id}", f"discord delete {payload.message_id}"):
            if payload.guild_id is None:
                await self.mentorbot.dm_deleted(payload)
                return
            await self.mentorbot.relay.deleted(payload)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        with traced(f"dc:react:{payload.message_id}", f"discord reaction {payload.message_id}"):
            await self.mentorbot.relay.reacted(payload)


class ShardClient(MentorClient):
    """One gateway shard of several (issue 21, part 6), held by this worker while it holds
    that shard's lease. Its events go to the same bot as the main client's; the main client
    logs in for REST (sends, commands) and registers the commands, so this one does not."""

    async def setup_hook(self) -> None:
        return None

    def get_guild(self, id: int, /) -> discord.Guild | None:
        return discord.Client.get_guild(self, id)

    def get_channel(self, id: int, /) -> Any:
        return discord.Client.get_channel(self, id)


class DiscordBot:
    """Channel for platform "discord" and the discord.py client behind it."""

    platform = "discord"

    def __init__(
        self,
        core: CoreApp,
        *,
        token: str,
        public_url: str = "",
        announce_every_s: float = 30.0,
        limits: DiscordLimits | None = None,
        lease: GatewayLease | None = None,
        shards: Sequence[GatewayLease] = (),
    ) -> None:
        self.core = core
        self.token = token
        self.limits = limits
        # Several workers: only the one holding this lease connects to the gateway (every
        # worker logs in for REST, so any of them sends); None: this process always does.
        self.lease = lease
        self._electing: asyncio.Task[None] | None = None
        # Several shards (MENTORBOT_DISCORD_SHARD_COUNT > 1): shard i's lease is shards[i];
        # this worker connects a ShardClient for each shard whose lease it holds.
        self.shards = list(shards)
        self.shard_clients: dict[int, ShardClient] = {}
        self._shard_tasks: list[asyncio.Task[None]] = []
        self.public_url = public_url
        self.schema = ib.schema_of(declared())
        self.invalid_requests = 0  # 401/403/429 answers (Discord's "invalid requests")
        self.invalid_by_status: Counter[int] = Counter()
        self.client = MentorClient(self)
        self.forms = FormPages(core, self)
        self._task: asyncio.Task[None] | None = None
        self._work = InFlight()
        # People whose interaction is being answered right now: a notice core sends them
        # meanwhile goes there (ephemerally) when their DMs are closed. Only for that time.
        self._answering: dict[str, discord.Interaction[Any]] = {}
        self.announcer = Announcer(self.client, core)
        self.relay = LinkedChannels(core, self.client, self._work)
        self.bridge = DiscordBridge(self.client, public_url)
        self.announce_every_s = announce_every_s
        self._announcing: asyncio.Task[None] | None = None

    def invalid_request(self, method: str, path: str, status: int) -> None:
        self.invalid_requests += 1
        self.invalid_by_status[status] += 1
        log.warning(
            "discord invalid request %d: %s %s (%d so far; Discord bans an IP after 10,000 "
            "in 10 minutes)",
            status,
            method,
            path,
            self.invalid_requests,
        )

    # ---- lifecycle --------------------------------------------------------------
    def connected(self) -> bool:
        """Logged in over REST and holding a gateway session (READY may still be on its way);
        sharded: a session for every shard this worker holds."""
        if self.shards:
            held = [i for i, lease in enumerate(self.shards) if lease.held]
            return (
                self.client.user is not None
                and bool(held)
                and all(
                    i in self.shard_clients and self.shard_clients[i].ws is not None for i in held
                )
            )
        return self.client.user is not None and self.client.ws is not None

    def start(self) -> None:
        if self.shards:
            self._shard_tasks = [
                asyncio.create_task(lease.run(), name=f"discord-lease-{i}")
                for i, lease in enumerate(self.shards)
            ]
            self._task = asyncio.create_task(self._run_sharded(), name="discord-client")
        elif self.lease is not None:
            self._electing = asyncio.create_task(self.lease.run(), name="discord-lease")
        if not self.shards:
            self._task = asyncio.create_task(
                self._run() if self.lease is None else self._run_leased(), name="discord-client"
            )
        if not self.shards:  # sharded: shard 0's holder announces (_hold_shard)
            self._announcing = asyncio.create_task(
                self.announcer.run(self.announce_every_s), name="discord-announce"
            )

    async def register_commands(self) -> None:
        """Register /mentor if the declared commands differ from those registered last."""
        try:
            await sync(self.client.tree, self.core)
        except (discord.HTTPException, RuntimeError):
            # Commands already registered keep working; the next start tries again.
            log.exception("discord: registering the application commands failed")

    async def _run(self) -> None:
        try:
            try:
                await self.client.start(self.token)
            except discord.PrivilegedIntentsRequired:
                log.error(NO_CONTENT_INTENT)
                self.client.without_message_content()
                await self.client.connect()
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("discord client stopped")

    async def _connect(self) -> None:
        try:
            await self.client.connect()
        except discord.PrivilegedIntentsRequired:
            log.error(NO_CONTENT_INTENT)
            self.client.without_message_content()
            await self.client.connect()

    async def _run_leased(self) -> None:
        """Log in (REST, commands registered), then hold the gateway while holding the lease:
        connect when it is taken, disconnect at once when it is lost (another worker may
        hold it by then), and connect again when it comes back."""
        assert self.lease is not None
        try:
            await self.client.login(self.token)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("discord: logging in failed")
            return
        while not self.client.is_closed():
            if not self.lease.held:
                await asyncio.sleep(LEASE_POLL_S)
                continue
            log.info(
                "discord: worker %s holds the gateway (%s)", self.lease.worker, self.lease.kind
            )
            connecting = asyncio.create_task(self._connect(), name="discord-gateway")
            while self.lease.held and not connecting.done():
                await asyncio.wait({connecting}, timeout=LEASE_POLL_S)
            if connecting.done():
                if not connecting.cancelled() and connecting.exception() is not None:
                    log.error("discord gateway stopped: %r", connecting.exception())
                    await asyncio.sleep(LEASE_POLL_S)
                continue
            log.warning(
                "discord: worker %s lost the gateway lease; disconnecting", self.lease.worker
            )
            connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await connecting
            if self.client.ws is not None:
                with contextlib.suppress(Exception):
                    await self.client.ws.close(code=1000)

    async def _run_sharded(self) -> None:
        """Log the main client in (REST, commands registered), then for each shard keep a
        gateway connection exactly while holding that shard's lease."""
        try:
            await self.client.login(self.token)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("discord: logging in failed")
            return
        await asyncio.gather(*(self._hold_shard(i, lease) for i, lease in enumerate(self.shards)))

    async def _connect_shard(self, client: ShardClient) -> None:
        await client.login(self.token)
        try:
            await client.connect()
        except discord.PrivilegedIntentsRequired:
            log.error(NO_CONTENT_INTENT)
            client.without_message_content()
            await client.connect()

    async def _hold_shard(self, shard: int, lease: GatewayLease) -> None:
        count = len(self.shards)
        while not self.client.is_closed():
            if not lease.held:
                await asyncio.sleep(LEASE_POLL_S)
                continue
            log.info(
                "discord: worker %s holds gateway shard %d of %d (%s)",
                lease.worker,
                shard,
                count,
                lease.kind,
            )
            client = ShardClient(self, shard_id=shard, shard_count=count)
            self.shard_clients[shard] = client
            connecting = asyncio.create_task(self._connect_shard(client), name=f"shard-{shard}")
            # One worker announces new mentors, as with one shard: shard 0's holder.
            announcing = (
                asyncio.create_task(
                    Announcer(client, self.core).run(self.announce_every_s),
                    name="discord-announce",
                )
                if shard == 0
                else None
            )
            try:
                while lease.held and not connecting.done():
                    await asyncio.wait({connecting}, timeout=LEASE_POLL_S)
                if connecting.done():
                    if not connecting.cancelled() and connecting.exception() is not None:
                        log.error("discord shard %d stopped: %r", shard, connecting.exception())
                        await asyncio.sleep(LEASE_POLL_S)
                else:
                    log.warning(
                        "discord: worker %s lost the lease of shard %d; disconnecting",
                        lease.worker,
                        shard,
                    )
            finally:
                for task in (connecting, announcing):
                    if task is not None:
                        task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await task
                await client.close()
                self.shard_clients.pop(shard, None)

    def held_shards(self) -> list[int]:
        """For /healthz: the shards this worker holds the gateway of."""
        if not self.shards:
            return [0] if self.lease is None or self.lease.held else []
        return [i for i, lease in enumerate(self.shards) if lease.held]

    def gateway_role(self) -> str:
        """For /healthz: "held" (this worker runs the gateway) or "standby"."""
        return "held" if self.lease is None or self.lease.held else "standby"

    async def close(self) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await self.settle(limit_s=5)
        await self.client.close()
        for task in (self._announcing, self._task, self._electing, *self._shard_tasks):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for client in list(self.shard_clients.values()):
            await client.close()
        if self.lease is not None:
            await self.lease.close()
        for lease in self.shards:
            await lease.close()

    async def settle(self, limit_s: float = 15.0) -> None:
        await self._work.settle(limit_s)

    # ---- interactions -------------------------------------------------------------
    @staticmethod
    def actor(user: discord.abc.User) -> Actor:
        return Actor("discord", WORKSPACE, str(user.id), user.display_name or user.name)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        async with self._work.busy():
            what = ib.translate(interaction.type.value, interaction.data, self.schema)
            uid = str(interaction.user.id)
            self._answering[uid] = interaction
            try:
                await self._answer(interaction, what)
            except (discord.HTTPException, discord.RateLimited) as exc:
                log.warning("discord: answering an interaction failed: %s", exc)
            finally:
                if self._answering.get(uid) is interaction:
                    del self._answering[uid]

    async def _answer(self, interaction: discord.Interaction[Any], what: ib.Translation) -> None:
        if isinstance(what, ib.Ignored):
            return
        if isinstance(what, ib.Suggest):
            names = self.core.skill_names(what.typed)
            await interaction.response.autocomplete(
                [app_commands.Choice(name=n[:100], value=n[:100]) for n in names]
            )
            return
        if isinstance(what, ib.Refused):
            await interaction.response.send_message(what.text, ephemeral=True)
            return
        if isinstance(what, ib.OpenQuestion):
            await interaction.response.send_modal(question_modal(what.asks))
            return
        if isinstance(what, ib.Setup):
            await self.on_setup(interaction, what)
            return
        if isinstance(what, ib.ReportMessage):
            await self.on_report_menu(interaction, what)
            return
        if isinstance(what, ib.OpenForm):
            await self.forms.open_page(interaction, what.form, what.page)
            return
        if isinstance(what, ib.FormPage):
            await self.forms.submitted(interaction, what)
            return
        inbound: Inbound = what.inbound
        if isinstance(what, ib.Pressed):
            if not self.core.knows_action(what.inbound.payload):
                await interaction.response.send_message(ib.EXPIRED, ephemeral=True)
                return
            if await self.forms.open_for(interaction, inbound):
                return
            await self._mark_chosen(interaction)
            if isinstance(inbound, ActionIn) and inbound.payload == PLATFORM_PHOTO:
                inbound = await self._profile_photo(interaction.user) or inbound
        elif isinstance(what, ib.ToCore):
            if await self.forms.open_for(interaction, inbound):
                return
            await interaction.response.defer(ephemeral=self.private(interaction), thinking=True)
        else:  # Answered: the modal closes; the answer follows
            await interaction.response.defer(ephemeral=self.private(interaction), thinking=True)
        await self.run(interaction, inbound)

    @staticmethod
    async def _profile_photo(user: discord.User | discord.Member) -> FileIn | None:
        """The person's own Discord avatar (the CDN's avatars/{id}/{hash}, 512 px, PNG even
        when animated), offered as their profile picture; None: they have only Discord's
        default one, or the CDN doesn't give it. Core reads it by content."""
        asset = user.avatar
        if asset is None:
            return None
        try:
            data = await asset.replace(size=512, format="png").read()
        except (discord.HTTPException, ValueError) as exc:
            log.warning("discord: avatar of %s not fetched: %s", user.id, exc)
            return None
        return FileIn("discord-avatar.png", "image/png", len(data), asset.key, data)

    @staticmethod
    def private(interaction: discord.Interaction[Any]) -> bool:
        """In a server, answers are for the person only; in the bot's DMs they are plain."""
        return interaction.guild_id is not None

    async def _mark_chosen(self, interaction: discord.Interaction[Any]) -> None:
        """The ack of a press: the message loses its components and shows the choice."""
        label = _chosen_label(interaction)
        content = interaction.message.content if interaction.message else ""
        mark = f"\n-# ✔ {discord.utils.escape_markdown(label)[:80]}" if label else ""
        await interaction.response.edit_message(
            content=(content[: MAX_CONTENT - len(mark)] + mark) if content else None, view=None
        )

    async def run(self, interaction: discord.Interaction[Any], inbound: Inbound) -> None:
        """Core's answer to an acknowledged interaction, as follow-ups."""
        replies = await self.core.handle(
            self.actor(interaction.user), inbound, self.key(interaction, inbound)
        )
        await self.followups(interaction, replies)

    @staticmethod
    def key(interaction: discord.Interaction[Any], inbound: Inbound) -> ConversationKey | None:
        """`/mentor community link CODE|unlink` in a server acts on the channel (or thread)
        it is run in: core reads that chat from the key. Everything else is the person's
        own conversation."""
        if interaction.guild_id is None or interaction.channel_id is None:
            return None
        if not isinstance(inbound, CommandIn) or inbound.name != "community":
            return None
        words = inbound.args.split()
        if not words or words[0].lower() not in IN_CHANNEL:
            return None
        return ConversationKey(
            "discord", WORKSPACE, str(interaction.channel_id), str(interaction.user.id)
        )

    async def followups(
        self, interaction: discord.Interaction[Any], replies: Sequence[Reply]
    ) -> None:
        private = self.private(interaction)
        for m in render(replies, self.public_url, in_guild=private):
            await interaction.followup.send(m.content, ephemeral=private, **send_kwargs(m))

    async def on_setup(self, interaction: discord.Interaction[Any], setup: ib.Setup) -> None:
        """/mentor setup: this server's announcement channel and mentor role (Manage Server)."""
        guild_id = interaction.guild_id
        if guild_id is None or not interaction.permissions.manage_guild:
            await interaction.response.send_message(NOT_ALLOWED, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        await self.announcer.configure(
            guild_id, setup.channel_id, setup.role_id, str(interaction.user.id)
        )
        await interaction.followup.send(
            f"Done: newly approved mentors will be announced in <#{setup.channel_id}> and get "
            f"the <@&{setup.role_id}> role (give MentorBot's own role a place above it).",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def on_report_menu(
        self, interaction: discord.Interaction[Any], what: ib.ReportMessage
    ) -> None:
        """Apps → Report message: the message (or a copy of it) goes to the community's
        moderation queue; the answer is for the reporter only."""
        if interaction.guild_id is None or interaction.channel_id is None:
            await interaction.response.send_message(NOT_A_COMMUNITY, ephemeral=True)
            return
        await interaction.response.defer(ephemeral=True, thinking=True)
        said = await self.core.relay_reacted(
            self.actor(interaction.user), chat_of(interaction.channel_id), what.message_id, "report"
        )
        await interaction.followup.send(
            NOT_A_COMMUNITY if said is None else said[1],
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def on_dm(self, message: discord.Message) -> None:
        inbound: Inbound | None = ib.from_message(
            message.content, from_bot=message.author.bot, in_guild=message.guild is not None
        )
        if not message.author.bot and (
            isinstance(inbound, TextIn) or (inbound is None and message.attachments)
        ):
            async with self._work.busy():
                if await self._dm_in(message):
                    return  # a direct message to someone (issue #16)
        if inbound is None and message.attachments and not message.author.bot:
            # A photo sent in DM (a profile picture): fetched here, read by core by content.
            a = message.attachments[0]
            data = None
            if a.size <= FILE_FETCH_MAX:
                try:
                    data = await a.read()
                except (discord.HTTPException, discord.NotFound) as exc:
                    log.warning("discord: attachment %s not downloaded: %s", a.id, exc)
            inbound = FileIn(
                a.filename[:255],
                a.content_type or "application/octet-stream",
                a.size,
                str(a.id),
                data,
            )
        if inbound is None:
            return
        async with self._work.busy():
            replies = await self.core.handle(self.actor(message.author), inbound)
            for m in render(replies, self.public_url):
                await message.channel.send(m.content, **send_kwargs(m))

    async def _dm_in(self, message: discord.Message) -> bool:
        """A DM to the bot that belongs to a direct-message thread: a reply to a relayed
        message, or typed in the "✉️ to …" mode."""
        actor = self.actor(message.author)
        ref = message.reference
        parent = str(ref.message_id) if ref is not None and ref.message_id else None
        thread = await self.core.dm_target(actor, parent, message.content)
        if thread is None:
            return False
        # A file, an image or a voice message (Discord's are OGG/Opus) goes with it; the
        # others, or one too big, are named in the text.
        attached = attached_to(message)
        upload = await first_upload(message, attached)
        lost = relay_in.notes(attached)  # as an edit names them too
        first = relay_in.relayed_file(attached)
        if upload is None and first is not None:
            lost.insert(0, f"📎 {first.name} (not carried: Discord didn't give it)")
        text = "\n".join([message.content, *lost]).strip()
        refused = await self.core.dm_said(
            actor, thread, str(message.id), text, reply_to=parent, upload=upload
        )
        if refused:
            await message.channel.send(refused, allowed_mentions=discord.AllowedMentions.none())
        return True

    async def dm_edited(self, payload: discord.RawMessageUpdateEvent) -> None:
        """A person edited a message in their DM with the bot: a direct message's copy
        follows (the bot's own copies and an unchanged text are left alone)."""
        data = payload.data
        content = data.get("content")
        own = self.client.user.id if self.client.user is not None else None
        if not isinstance(content, str) or not relay_in.from_person(data, own):
            return
        text = "\n".join([content, *relay_in.notes(relay_in.attachments_in(data))]).strip()
        async with self._work.busy():
            await self.core.dm_edited("discord", WORKSPACE, None, str(payload.message_id), text)

    async def dm_deleted(self, payload: discord.RawMessageDeleteEvent) -> None:
        """A message deleted in a DM with the bot (ids only; Discord's are unique)."""
        async with self._work.busy():
            await self.core.dm_deleted("discord", WORKSPACE, None, str(payload.message_id))

    # ---- Channel ------------------------------------------------------------------
    async def deliver(self, to: Destination, replies: Sequence[Reply]) -> bool:
        if self.client.user is None or self.client.is_closed():
            return False  # not logged in (yet): the outbox keeps it for the sweep
        try:
            user = self.client.get_user(int(to.external_id)) or await self.client.fetch_user(
                int(to.external_id)
            )
            channel = user.dm_channel or await user.create_dm()
            for m in render(replies, self.public_url):
                await channel.send(m.content, **send_kwargs(m))
        except discord.Forbidden as exc:
            here = self._answering.get(to.external_id)
            if exc.code == DMS_CLOSED and here is not None and here.response.is_done():
                # Their DMs are closed, but they are right here: tell them where they are.
                await self.followups(here, replies)
                return True
            log.warning("discord delivery to %s refused: %s", to.external_id, exc)
            return False
        except (discord.HTTPException, discord.RateLimited, ValueError) as exc:
            log.warning("discord delivery to %s failed: %s", to.external_id, exc)
            return False
        return True


def _chosen_label(interaction: discord.Interaction[Any]) -> str:
    """The label of the pressed button or chosen option, from the message it was on."""
    data: dict[str, Any] = dict(interaction.data or {})
    custom_id = data.get("custom_id")
    values = data.get("values") or []
    message = interaction.message
    if message is None:
        return ""
    for row in message.components:
        for c in getattr(row, "children", ()):
            if getattr(c, "custom_id", None) != custom_id:
                continue
            if isinstance(c, discord.components.SelectMenu) and values:
                return next((o.label for o in c.options if o.value == values[0]), "")
            return str(getattr(c, "label", "") or "")
    return ""
