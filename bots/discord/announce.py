"""Newly approved mentors announced in each server that ran `/mentor setup`, and given its role.

Found by polling the database (approved mentors with a Discord account, approved since the
server's setup, not handled there yet) rather than by reacting to core's MentorDecided:
core's event dispatch is being reworked, a notification delivered to the mentor may go to
another app (their primary account) or be retried by the outbox, and a poll also catches
approvals made while the bot was offline. Each (server, mentor) is recorded once handled,
so nobody is announced twice across restarts.
"""

from __future__ import annotations

import asyncio
import logging

import discord
from sqlalchemy.exc import SQLAlchemyError

from core.app import CoreApp
from core.services.announcements import GuildConfig

log = logging.getLogger(__name__)

ANNOUNCED, NOT_MEMBER, REFUSED = "announced", "not_member", "refused"


class Announcer:
    def __init__(self, client: discord.Client, core: CoreApp) -> None:
        self.client = client
        self.core = core

    async def configure(self, guild_id: int, channel_id: int, role_id: int, by: str) -> None:
        """/mentor setup: mentors approved from now on are announced in this server."""
        config = GuildConfig(guild_id, channel_id, role_id, self.core.clock.now())
        await self.core.announcements.configure(config, by)

    async def announce_approved(self, config: GuildConfig, user_id: str) -> str:
        """Give the role and post the welcome; the outcome to record.

        Discord refusing (403, 404: the role or channel is gone, or above the bot's own role)
        is recorded, not retried: retries would pile up invalid requests, which Discord
        punishes. Other errors (5xx, timeouts) raise, and the next poll tries again.
        """
        guild = self.client.get_guild(config.guild_id) or await self.client.fetch_guild(
            config.guild_id
        )
        try:
            member = await guild.fetch_member(int(user_id))
        except discord.NotFound:
            return NOT_MEMBER
        try:
            await member.add_roles(
                discord.Object(config.role_id), reason="approved as a MentorBot mentor"
            )
            channel = self.client.get_channel(config.channel_id) or await self.client.fetch_channel(
                config.channel_id
            )
            assert isinstance(channel, discord.abc.Messageable)
            await channel.send(
                f"🎓 Please welcome {member.mention}, newly approved as a mentor! "
                "Book a short session with `/mentor find`.",
                allowed_mentions=discord.AllowedMentions(users=[member]),
            )
        except (discord.Forbidden, discord.NotFound) as exc:
            log.warning(
                "discord: can't announce mentor %s in guild %s: %s", user_id, config.guild_id, exc
            )
            return REFUSED
        return ANNOUNCED

    async def announce_pending(self) -> int:
        """One poll: every server's unannounced mentors; how many were handled."""
        handled = 0
        for config, user_ids in await self.core.announcements.pending():
            for user_id in user_ids:
                if not await self.core.announcements.claim(config.guild_id, user_id):
                    continue
                try:
                    outcome = await self.announce_approved(config, user_id)
                except Exception:
                    await self.core.announcements.release(config.guild_id, user_id)
                    raise
                await self.core.announcements.record(config.guild_id, user_id, outcome)
                handled += 1
        return handled

    async def run(self, every_s: float) -> None:
        await self.client.wait_until_ready()
        while not self.client.is_closed():
            try:
                await self.announce_pending()
            except (
                TimeoutError,
                discord.HTTPException,
                discord.RateLimited,
                OSError,
                SQLAlchemyError,
            ):
                log.exception("discord: announcing new mentors failed; trying again later")
            await asyncio.sleep(every_s)
