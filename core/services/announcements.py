"""Where a chat server announces its newly approved mentors, and who was announced there.

Discord's `/mentor setup` keeps each server's announcement channel and mentor role here; the
adapter polls `pending` and records each outcome. Adapters use it through
`CoreApp.announcements`, which opens one transaction per call. Alembic creates the tables
(0010_discord_commands); their names keep the platform that introduced them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    PrimaryKeyConstraint,
    String,
    Table,
    delete,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.engine import Database
from core.db.schema import Account, Base, MentorProfile
from core.db.types import UTCDateTime
from core.ports import Clock

# On the schema's one metadata, so Alembic's autogenerate and the schema check see them.
METADATA = Base.metadata

GUILDS = Table(
    "discord_guilds",
    METADATA,
    Column("guild_id", String(32), nullable=False),
    Column("announce_channel_id", String(32), nullable=False),
    Column("mentor_role_id", String(32), nullable=False),
    Column("configured_by", String(32), nullable=False),
    Column("configured_at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("guild_id"),
)

# One row per (server, mentor) once handled, so a mentor is announced at most once per server.
ANNOUNCED = Table(
    "discord_announcements",
    METADATA,
    Column("guild_id", String(32), nullable=False),
    Column("user_id", String(32), nullable=False),  # the mentor's Discord user id
    Column("outcome", String(16), nullable=False),  # claimed | announced | not_member | refused
    Column("at", UTCDateTime(), nullable=False),
    PrimaryKeyConstraint("guild_id", "user_id"),
)


@dataclass(frozen=True)
class GuildConfig:
    guild_id: int
    channel_id: int
    role_id: int
    since: datetime  # mentors approved from then on are announced


async def save_guild(session: AsyncSession, config: GuildConfig, configured_by: str) -> None:
    values = {
        "announce_channel_id": str(config.channel_id),
        "mentor_role_id": str(config.role_id),
        "configured_by": configured_by,
    }
    res = await session.execute(
        update(GUILDS).where(GUILDS.c.guild_id == str(config.guild_id)).values(**values)
    )
    if res.rowcount == 0:  # type: ignore[attr-defined]
        await session.execute(
            insert(GUILDS).values(
                guild_id=str(config.guild_id), configured_at=config.since, **values
            )
        )


async def guild_configs(session: AsyncSession) -> list[GuildConfig]:
    rows = await session.execute(select(GUILDS))
    return [
        GuildConfig(
            int(r.guild_id), int(r.announce_channel_id), int(r.mentor_role_id), r.configured_at
        )
        for r in rows
    ]


async def mark_announced(
    session: AsyncSession, guild_id: int, user_id: str, outcome: str, now: datetime
) -> None:
    await session.execute(
        insert(ANNOUNCED).values(guild_id=str(guild_id), user_id=user_id, outcome=outcome, at=now)
    )


async def unannounced(session: AsyncSession, config: GuildConfig) -> list[str]:
    """Discord ids of mentors approved since the server's setup and not handled there yet."""
    mentors, accounts = MentorProfile.__table__, Account.__table__
    done = select(ANNOUNCED.c.user_id).where(
        ANNOUNCED.c.guild_id == str(config.guild_id),
        ANNOUNCED.c.user_id == accounts.c.external_id,
    )
    rows = await session.execute(
        select(accounts.c.external_id)
        .join(mentors, mentors.c.user_id == accounts.c.user_id)
        .where(
            accounts.c.platform == "discord",
            mentors.c.status == "approved",
            mentors.c.decided_at >= config.since,
            ~done.exists(),
        )
        .order_by(mentors.c.decided_at)
    )
    return [str(r[0]) for r in rows]


class Announcements:
    """The facade's view of these tables for an adapter: one short transaction per call."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self.db, self.clock = db, clock

    async def configure(self, config: GuildConfig, configured_by: str) -> None:
        async with self.db.transaction() as s:
            await save_guild(s, config, configured_by)

    async def pending(self) -> list[tuple[GuildConfig, list[str]]]:
        """Every configured server with the mentors still to announce there."""
        async with self.db.transaction() as s:
            return [(cfg, await unannounced(s, cfg)) for cfg in await guild_configs(s)]

    async def claim(self, guild_id: int, user_id: str) -> bool:
        """Take a mentor to announce; False: another poll (or process) already has.

        At most once: a crash between claim and record leaves the mentor unannounced there,
        which beats a second welcome."""
        try:
            async with self.db.transaction() as s:
                await mark_announced(s, guild_id, user_id, "claimed", self.clock.now())
        except IntegrityError:
            return False
        return True

    async def release(self, guild_id: int, user_id: str) -> None:
        """Give a claim back (the platform failed for now): the next poll tries again."""
        async with self.db.transaction() as s:
            await s.execute(
                delete(ANNOUNCED).where(
                    ANNOUNCED.c.guild_id == str(guild_id),
                    ANNOUNCED.c.user_id == user_id,
                    ANNOUNCED.c.outcome == "claimed",
                )
            )

    async def record(self, guild_id: int, user_id: str, outcome: str) -> None:
        async with self.db.transaction() as s:
            await s.execute(
                update(ANNOUNCED)
                .where(ANNOUNCED.c.guild_id == str(guild_id), ANNOUNCED.c.user_id == user_id)
                .values(outcome=outcome, at=self.clock.now())
            )
