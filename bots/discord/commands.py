"""Discord's application commands, generated from core's command table (core/commands.py).

`/mentor SUBCOMMAND` is for everyone, in servers and in the bot's DMs. Discord takes
default_member_permissions on a top-level command only, never on one subcommand, so the
admin commands (core's admin-only ones, plus `setup`) are also a second top-level group,
`/mentor-admin`, which Discord shows only to members with Manage Server, in servers.
`/mentor admin …` and `/mentor setup …` keep working where people already use them: core
checks admin rights itself (MENTORBOT_ADMINS is the real authority, and admins also work
from DMs, where Discord applies no member permissions), and setup checks Manage Server at
run time from the permissions Discord sends with the interaction.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

import discord
from discord import app_commands

from core.commands import COMMANDS, GROUP_COMMAND, Command
from core.messaging import CommandIn

ADMIN_GROUP = f"{GROUP_COMMAND}-admin"
SETUP = "setup"
SETUP_HELP = "Where new mentors are announced and the role they get"
MANAGE_SERVER = discord.Permissions(manage_guild=True)


class Handler(Protocol):
    """What a command needs from the adapter (found on the client, so commands hold no state)."""

    async def on_command(
        self, interaction: discord.Interaction[Any], inbound: CommandIn
    ) -> None: ...

    def skill_names(self, current: str) -> list[str]: ...

    async def on_setup(
        self,
        interaction: discord.Interaction[Any],
        channel: discord.TextChannel,
        role: discord.Role,
    ) -> None: ...


def handler_of(interaction: discord.Interaction[Any]) -> Handler:
    handler = getattr(interaction.client, "mentorbot", None)
    assert handler is not None, "commands run only on the MentorBot client"
    return handler  # type: ignore[no-any-return]


def _plain(name: str) -> Callable[..., Coroutine[Any, Any, None]]:
    async def run(interaction: discord.Interaction[Any]) -> None:
        await handler_of(interaction).on_command(interaction, CommandIn(name))

    return run


def _with_text(name: str) -> Callable[..., Coroutine[Any, Any, None]]:
    async def run(interaction: discord.Interaction[Any], text: str = "") -> None:
        await handler_of(interaction).on_command(interaction, CommandIn(name, text))

    return run


async def _skills(
    interaction: discord.Interaction[Any], current: str
) -> list[app_commands.Choice[str]]:
    names = handler_of(interaction).skill_names(current)
    return [app_commands.Choice(name=s, value=s) for s in names]


def _subcommand(c: Command, parent: app_commands.Group) -> app_commands.Command[Any, ..., None]:
    if c.arg is None:
        return app_commands.Command(
            name=c.subcommand, description=c.help, callback=_plain(c.name), parent=parent
        )
    callback = app_commands.describe(text=c.arg.about)(
        app_commands.rename(text=c.arg.name)(_with_text(c.name))
    )
    cmd: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=c.subcommand, description=c.help, callback=callback, parent=parent
    )
    if c.arg.skills:
        cmd.autocomplete("text")(_skills)
    return cmd


@app_commands.describe(
    channel="where newly approved mentors are announced", role="the role approved mentors get"
)
async def _setup(
    interaction: discord.Interaction[Any], channel: discord.TextChannel, role: discord.Role
) -> None:
    await handler_of(interaction).on_setup(interaction, channel, role)


def _setup_command(parent: app_commands.Group) -> app_commands.Command[Any, ..., None]:
    return app_commands.Command(name=SETUP, description=SETUP_HELP, callback=_setup, parent=parent)


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
