"""busy-calendar import: ICS subscriptions and the busy times they gave

Revision ID: 0037_busy_feeds
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0037_busy_feeds"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "busy_feeds",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("etag", sa.String(length=200), nullable=False),
        sa.Column("last_modified", sa.String(length=100), nullable=False),
        sa.Column("added_at", core.db.types.UTCDateTime(), nullable=False),
        sa.Column("fetched_at", core.db.types.UTCDateTime(), nullable=True),
        sa.Column("failed_at", core.db.types.UTCDateTime(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_busy_feeds_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_busy_feeds")),
    )
    op.create_table(
        "busy_times",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", core.db.types.UTCDateTime(), nullable=False),
        sa.Column("ends_at", core.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_busy_times_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_busy_times")),
    )
    with op.batch_alter_table("busy_times", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_busy_times_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    op.drop_table("busy_times")
    op.drop_table("busy_feeds")
