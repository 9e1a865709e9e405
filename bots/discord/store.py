"""Discord's own tables: each server's setup (announcement channel, mentor role) and the
approved mentors already announced there. Alembic creates them (0010_discord_commands)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Column,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    insert,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.schema import NAMING, Account, MentorProfile
from core.db.types import UTCDateTime

METADATA = MetaData(naming_convention=NAMING)

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
    Column("outcome", String(16), nullable=False),  # announced | not_member
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
