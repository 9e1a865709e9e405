"""The Discord adapter: /mentor application commands, persistent components, DMs, delivery."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Sequence
from types import SimpleNamespace
from typing import Any

import aiohttp
import discord
import yarl
from aiohttp import web
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots.discord.announce import Announcer
from bots.discord.registration import add_commands, sync
from bots.discord.render import (
    BUTTON_PREFIX,
    MAX_CONTENT,
    SELECT_PREFIX,
    ButtonSpec,
    Message,
    SelectSpec,
    render,
)
from bots.discord.store import GuildConfig, save_guild
from bots.inflight import InFlight
from core.app import CoreApp
from core.messaging import ActionIn, Actor, Inbound, Reply, parse_text
from core.ports import Destination

log = logging.getLogger(__name__)

WORKSPACE = "discord"  # Discord user ids are global: one account per person, any guild


def configure_endpoints(api_url: str, gateway_url: str) -> None:
    """Point discord.py's REST base and gateway elsewhere (tests, proxies). Process-wide."""
    if api_url:
        Route.BASE = api_url.rstrip("/")
    if gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url)


def _bot_of(interaction: discord.Interaction[Any]) -> DiscordBot:
    bot = getattr(interaction.client, "mentorbot", None)
    assert isinstance(bot, DiscordBot)
    return bot


class PayloadButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]], template=r"mb:(?P<payload>[^\s]{1,97})"
):
    """A button whose custom_id is the core payload: it works after a restart, with no state."""

    def __init__(self, payload: str, label: str = "…", row: int | None = None) -> None:
        super().__init__(
            discord.ui.Button(
                label=label, custom_id=BUTTON_PREFIX + payload, style=discord.ButtonStyle.secondary
            ),
            row=row,
        )
        self.payload = payload

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PayloadButton:
        return cls(match["payload"], getattr(item, "label", None) or "…")

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _bot_of(interaction).on_payload(interaction, self.payload, self.item.label or "")


class PayloadSelect(
    discord.ui.DynamicItem[discord.ui.Select[Any]], template=r"mbs:(?P<n>[0-9]{1,3})"
):
    """A select list; each option's value is a core payload."""

    def __init__(self, spec: SelectSpec, row: int | None = None) -> None:
        super().__init__(
            discord.ui.Select(
                custom_id=spec.custom_id,
                placeholder=spec.placeholder,
                options=[discord.SelectOption(label=lbl, value=val) for lbl, val in spec.options]
                or [discord.SelectOption(label="…", value="-")],
            ),
            row=row,
        )

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> PayloadSelect:
        options = tuple((o.label, o.value) for o in getattr(item, "options", []))
        return cls(SelectSpec(SELECT_PREFIX + match["n"], "", options))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        data: dict[str, Any] = dict(interaction.data or {})
        values = data.get("values") or []
        if not values:
            return
        payload = str(values[0])
        label = next((o.label for o in self.item.options if o.value == payload), payload)
        await _bot_of(interaction).on_payload(interaction, payload, label)


def view_for(message: Message) -> discord.ui.View | None:
    if not message.rows:
        return None
    view = discord.ui.View(timeout=None)
    for r, row in enumerate(message.rows):
        if isinstance(row, SelectSpec):
            view.add_item(PayloadSelect(row, row=r))
            continue
        for b in row:
            view.add_item(_button(b, r))
    return view


def _button(b: ButtonSpec, row: int) -> discord.ui.Item[Any]:
    if b.url:
        return discord.ui.Button(label=b.label, url=b.url, row=row)
    return PayloadButton(b.custom_id.removeprefix(BUTTON_PREFIX), b.label, row=row)


def invalid_request_trace(on_invalid: Callable[[str, str, int], None]) -> aiohttp.TraceConfig:
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


class MentorClient(discord.Client):
    def __init__(self, bot: DiscordBot) -> None:
        super().__init__(
            intents=discord.Intents.default(),
            http_trace=invalid_request_trace(bot.invalid_request),
        )
        self.mentorbot = bot
        self.tree = app_commands.CommandTree(self)
        add_commands(self.tree)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(PayloadButton, PayloadSelect)
        # Logged in (the application id is known), not yet on the gateway: interactions
        # for the commands can only arrive once they are registered.
        await self.mentorbot.register_commands()

    async def on_message(self, message: discord.Message) -> None:
        await self.mentorbot.on_dm(message)


class DiscordBot:
    """Channel for platform "discord" and the discord.py client behind it."""

    platform = "discord"

    def __init__(
        self,
        core: CoreApp,
        *,
        token: str,
        api_url: str = "",
        gateway_url: str = "",
        public_url: str = "",
        announce_every_s: float = 30.0,
    ) -> None:
        configure_endpoints(api_url, gateway_url)
        self.core = core
        self.token = token
        self.public_url = public_url
        self.invalid_requests = 0  # 401/403/429 answers (Discord's "invalid requests")
        self.invalid_by_status: Counter[int] = Counter()
        self.client = MentorClient(self)
        self._task: asyncio.Task[None] | None = None
        self._work = InFlight()
        self.announcer = Announcer(self.client, core.db, core.clock)
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
        """Logged in over REST and holding a gateway session (READY may still be on its way)."""
        return self.client.user is not None and self.client.ws is not None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="discord-client")
        self._announcing = asyncio.create_task(
            self.announcer.run(self.announce_every_s), name="discord-announce"
        )

    async def register_commands(self) -> None:
        """Register /mentor if the declared commands differ from those registered last."""
        try:
            await sync(self.client.tree, self.core.db, self.core.clock.now())
        except (discord.HTTPException, RuntimeError):
            # Commands already registered keep working; the next start tries again.
            log.exception("discord: registering the application commands failed")

    async def _run(self) -> None:
        try:
            await self.client.start(self.token)
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("discord client stopped")

    async def close(self) -> None:
        with contextlib.suppress(asyncio.TimeoutError):
            await self.settle(limit_s=5)
        await self.client.close()
        for task in (self._announcing, self._task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def settle(self, limit_s: float = 15.0) -> None:
        await self._work.settle(limit_s)

    # ---- translation --------------------------------------------------------------
    @staticmethod
    def actor(user: discord.abc.User) -> Actor:
        return Actor("discord", WORKSPACE, str(user.id), user.display_name or user.name)

    def skill_names(self, current: str) -> list[str]:
        index = self.core.catalog.index
        typed = current.strip().casefold()
        names = sorted(ref.name for ref in index.by_id.values())
        hits = [n for n in names if n.casefold().startswith(typed)] if typed else names
        if typed and len(hits) < 25:
            hits += [r.name for r in index.suggest(current, limit=10) if r.name not in hits]
        return [h[:100] for h in hits[:25]]

    async def on_command(
        self, interaction: discord.Interaction[Any], inbound: Inbound | Reply
    ) -> None:
        async with self._work.busy():
            private = interaction.guild_id is not None
            # Acknowledge at once ("thinking…"); the answer follows as follow-up messages.
            await interaction.response.defer(ephemeral=private, thinking=True)
            if isinstance(inbound, Reply):
                replies = [inbound]
            else:
                replies = await self.core.handle(self.actor(interaction.user), inbound)
            await self._followups(interaction, replies, private)

    async def on_setup(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        role: discord.Role,
    ) -> None:
        """/mentor setup: this server's announcement channel and mentor role (Manage Server)."""
        guild_id = interaction.guild_id
        if guild_id is None or not interaction.permissions.manage_guild:
            await interaction.response.send_message(
                "Only someone with **Manage Server** can set MentorBot up, in the server.",
                ephemeral=True,
            )
            return
        config = GuildConfig(guild_id, channel.id, role.id, self.core.clock.now())
        async with self.core.db.transaction() as s:
            await save_guild(s, config, str(interaction.user.id))
        await interaction.response.send_message(
            f"Done: newly approved mentors will be announced in {channel.mention} and get "
            f"the {role.mention} role (give MentorBot's own role a place above it).",
            ephemeral=True,
            allowed_mentions=discord.AllowedMentions.none(),
        )

    async def on_payload(
        self, interaction: discord.Interaction[Any], payload: str, label: str
    ) -> None:
        async with self._work.busy():
            private = interaction.guild_id is not None
            # The ack: the answered message loses its components and shows the choice.
            content = interaction.message.content if interaction.message else ""
            mark = f"\n-# ✔ {discord.utils.escape_markdown(label)[:80]}"
            await interaction.response.edit_message(
                content=(content[: MAX_CONTENT - len(mark)] + mark) if content else None, view=None
            )
            replies = await self.core.handle(self.actor(interaction.user), ActionIn(payload))
            await self._followups(interaction, replies, private)

    async def on_dm(self, message: discord.Message) -> None:
        if message.author.bot or message.guild is not None or not message.content.strip():
            return
        async with self._work.busy():
            replies = await self.core.handle(
                self.actor(message.author), parse_text(message.content[:4000])
            )
            for m in render(replies, self.public_url):
                await message.channel.send(m.content, **_view_kw(m))

    async def _followups(
        self, interaction: discord.Interaction[Any], replies: Sequence[Reply], ephemeral: bool
    ) -> None:
        for m in render(replies, self.public_url):
            await interaction.followup.send(m.content, ephemeral=ephemeral, **_view_kw(m))

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
                await channel.send(m.content, **_view_kw(m))
        except (discord.HTTPException, ValueError) as exc:
            log.warning("discord delivery to %s failed: %s", to.external_id, exc)
            return False
        return True


def _view_kw(m: Message) -> dict[str, Any]:
    """Components and the file of one rendered message, as keyword arguments for send()."""
    kw: dict[str, Any] = {}
    view = view_for(m)
    if view is not None:
        kw["view"] = view
    if m.attachment is not None:
        # A fresh File per send: discord.py reads and closes it.
        kw["file"] = discord.File(io.BytesIO(m.attachment.data), filename=m.attachment.filename)
    return kw


DISCORDBOT = web.AppKey("discordbot", DiscordBot)


def setup_discord(
    app: web.Application,
    core_key: web.AppKey[CoreApp],
    *,
    token: str,
    api_url: str = "",
    gateway_url: str = "",
    public_url: str = "",
    announce_every_s: float = 30.0,
) -> None:
    """Run the discord.py client beside the web app, registered for delivery."""

    async def ctx(app: web.Application) -> AsyncIterator[None]:
        core = app[core_key]
        bot = DiscordBot(
            core,
            token=token,
            api_url=api_url,
            gateway_url=gateway_url,
            public_url=public_url,
            announce_every_s=announce_every_s,
        )
        core.delivery.register(bot)
        app[DISCORDBOT] = bot
        bot.start()
        yield
        core.delivery.unregister("discord")
        await bot.close()

    app.cleanup_ctx.append(ctx)
