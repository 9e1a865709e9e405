"""mentor follows: favourites told when a mentor opens new times

Revision ID: mentor_follows
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "mentor_follows"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mentor_follows",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("follower_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["follower_id"], ["users.id"], name=op.f("fk_mentor_follows_follower_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["users.id"], name=op.f("fk_mentor_follows_mentor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_follows")),
        sa.UniqueConstraint("follower_id", "mentor_id", name=op.f("uq_mentor_follows_follower_id")),
    )
    with op.batch_alter_table("mentor_follows", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_mentor_follows_mentor_id"), ["mentor_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("mentor_follows", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mentor_follows_mentor_id"))
    op.drop_table("mentor_follows")
