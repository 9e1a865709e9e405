"""Discord's application commands, generated from core's command table (core/commands.py).

`/mentor SUBCOMMAND` is for everyone, in servers and in the bot's DMs. Discord takes
default_member_permissions on a top-level command only, never on one subcommand, so the
admin commands (core's admin-only ones, plus `setup`) are also a second top-level group,
`/mentor-admin`, which Discord shows only to members with Manage Server, in servers.
`/mentor admin …` and `/mentor setup …` keep working where people already use them: core
checks admin rights itself (MENTORBOT_ADMINS is the real authority, and admins also work
from DMs, where Discord applies no member permissions), and setup checks Manage Server at
run time from the permissions Discord sends with the interaction.

The tree only declares: what the commands look like when registered. Interactions never
run its callbacks (bot.DeclaringTree refuses them); bots/discord/inbound.py translates
them from the raw payload, checking each option's type, with a schema built from the same
table (inbound.schema_of).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Coroutine
from typing import Any

import discord
from discord import app_commands

from bots.discord.inbound import ADMIN_GROUP, REPORT_MENU, SETUP
from core.commands import COMMANDS, GROUP_COMMAND, Command

SETUP_HELP = "Where new mentors are announced and the role they get"
MANAGE_SERVER = discord.Permissions(manage_guild=True)


async def _declared(interaction: discord.Interaction[Any]) -> None:
    """Never run (see the module docstring); its signature declares no options."""


def _declared_text() -> Callable[..., Coroutine[Any, Any, None]]:
    """A fresh callback per command: rename/describe mark the function object itself."""

    async def run(interaction: discord.Interaction[Any], text: str = "") -> None:
        """Never run; declares one optional text option."""

    return run


async def _declared_skills(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    """Never run: marks the option as autocompleted (inbound.Suggest answers it)."""
    return []


def _subcommand(c: Command, parent: app_commands.Group) -> app_commands.Command[Any, ..., None]:
    if c.arg is None:
        return app_commands.Command(
            name=c.subcommand, description=c.help, callback=_declared, parent=parent
        )
    callback = app_commands.describe(text=c.arg.about)(
        app_commands.rename(text=c.arg.name)(_declared_text())
    )
    cmd: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=c.subcommand, description=c.help, callback=callback, parent=parent
    )
    if c.arg.skills:
        cmd.autocomplete("text")(_declared_skills)
    return cmd


@app_commands.describe(
    channel="where newly approved mentors are announced", role="the role approved mentors get"
)
async def _setup(
    interaction: discord.Interaction[Any], channel: discord.TextChannel, role: discord.Role
) -> None:
    """Never run; declares the channel and role options of /mentor setup."""


def _setup_command(parent: app_commands.Group) -> app_commands.Command[Any, ..., None]:
    return app_commands.Command(name=SETUP, description=SETUP_HELP, callback=_setup, parent=parent)


async def _declared_message(
    interaction: discord.Interaction[Any], message: discord.Message
) -> None:
    """Never run; a message context-menu command (Apps → Report message)."""


def report_menu() -> app_commands.ContextMenu:
    """Report a message of a community-linked channel to its moderators (in servers)."""
    return app_commands.ContextMenu(
        name=REPORT_MENU,
        callback=_declared_message,
        type=discord.AppCommandType.message,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        allowed_installs=app_commands.AppInstallationType(guild=True),
    )


def declared() -> tuple[Command, ...]:
    """The table these commands are built from (read at call time)."""
    return COMMANDS


def build_commands() -> list[app_commands.Group]:
    """/mentor and /mentor-admin, from the table (listed commands; admin ones in both)."""
    everyone = app_commands.Group(
        name=GROUP_COMMAND,
        description="MentorBot: peer micro-mentorship",
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
        allowed_installs=app_commands.AppInstallationType(guild=True),
    )
    admin = app_commands.Group(
        name=ADMIN_GROUP,
        description="MentorBot for server admins",
        default_permissions=MANAGE_SERVER,
        allowed_contexts=app_commands.AppCommandContext(guild=True),
        allowed_installs=app_commands.AppInstallationType(guild=True),
    )
    for c in COMMANDS:
        if not c.listed:
            continue
        everyone.add_command(_subcommand(c, everyone))
        if c.admin:
            admin.add_command(_subcommand(c, admin))
    everyone.add_command(_setup_command(everyone))
    admin.add_command(_setup_command(admin))
    return [everyone, admin]


def payload_hash(tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None) -> str:
    """A digest of exactly what a sync would send: equal digests, nothing to register."""
    payload = [c.to_dict(tree) for c in tree._get_all_commands(guild=guild)]
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()
