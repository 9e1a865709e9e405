"""discord commands: a key/value table (the hash of the commands last registered), each
Discord server's setup and the mentors announced there

Revision ID: 0010_discord_commands
Revises: 0002
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0010_discord_commands"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("discord_commands",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_values",
        sa.Column("key", sa.String(length=128), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", core.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_key_values")),
    )
    op.create_table(
        "discord_guilds",
        sa.Column("guild_id", sa.String(length=32), nullable=False),
        sa.Column("announce_channel_id", sa.String(length=32), nullable=False),
        sa.Column("mentor_role_id", sa.String(length=32), nullable=False),
        sa.Column("configured_by", sa.String(length=32), nullable=False),
        sa.Column("configured_at", core.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", name=op.f("pk_discord_guilds")),
    )
    op.create_table(
        "discord_announcements",
        sa.Column("guild_id", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("at", core.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("guild_id", "user_id", name=op.f("pk_discord_announcements")),
    )


def downgrade() -> None:
    op.drop_table("discord_announcements")
    op.drop_table("discord_guilds")
    op.drop_table("key_values")
