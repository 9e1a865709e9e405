"""Registering /mentor with Discord: at start-up only when the commands changed, or on demand
(`mentorbot discord sync-commands [--guild ID]`).

The digest of the last payload registered is kept in the database (core's key/value
table), so restarts with the same commands send nothing: Discord rate-limits command
registration, and every overwrite makes clients refetch the commands.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

import discord
from discord import app_commands

from bots.discord.commands import build_commands, payload_hash, report_menu

log = logging.getLogger(__name__)


class Facts(Protocol):
    """Where the digest is kept: core's key/value facts (CoreApp.get_value / put_value)."""

    async def get_value(self, key: str) -> str | None: ...

    async def put_value(self, key: str, value: str | None) -> None: ...


def digest_key(application_id: int, guild_id: int | None) -> str:
    return f"discord:commands:{application_id}:{guild_id or 'global'}"


def add_commands(tree: app_commands.CommandTree[Any]) -> None:
    for group in build_commands():
        tree.add_command(group)
    tree.add_command(report_menu())


async def sync(
    tree: app_commands.CommandTree[Any],
    facts: Facts,
    *,
    guild_id: int | None = None,
    force: bool = False,
) -> bool:
    """Overwrite the registered commands with the tree's unless the same set is registered.

    With a guild, the (global) commands are registered to that server only: they show up
    there at once, handy while trying a change.
    """
    app_id = tree.client.application_id
    if app_id is None:
        raise RuntimeError("the Discord client is not logged in (no application id)")
    guild = discord.Object(id=guild_id) if guild_id else None
    if guild is not None:
        tree.copy_global_to(guild=guild)
    digest, key = payload_hash(tree, guild), digest_key(app_id, guild_id)
    if not force and await facts.get_value(key) == digest:
        return False
    registered = await tree.sync(guild=guild)
    await facts.put_value(key, digest)
    log.info(
        "discord: registered %s %s",
        ", ".join("/" + c.name for c in registered),
        f"in guild {guild_id}" if guild_id else "globally",
    )
    return True


async def sync_commands(facts: Facts, token: str, guild_id: int | None) -> list[str]:
    """Log in over REST only (no gateway session) and register the commands (the "Report
    message" context menu with them); the slash commands' names."""
    client = discord.Client(intents=discord.Intents.none())
    async with client:
        await client.login(token)
        tree: app_commands.CommandTree[Any] = app_commands.CommandTree(client)
        add_commands(tree)
        await sync(tree, facts, guild_id=guild_id, force=True)
        return [c.name for c in tree.get_commands(type=discord.AppCommandType.chat_input)]
