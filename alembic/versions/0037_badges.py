"""badges held once per person, leaderboard opt-outs

Revision ID: 0037_badges
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0037_badges"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_badges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("scope", sa.String(length=100), nullable=False),
        sa.Column("awarded_at", core.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_badges_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_badges")),
        sa.UniqueConstraint("user_id", "kind", "scope", name=op.f("uq_user_badges_user_id")),
    )
    with op.batch_alter_table("user_badges", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_user_badges_user_id"), ["user_id"], unique=False)
    op.create_table(
        "leaderboard_optouts",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_leaderboard_optouts_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_leaderboard_optouts")),
    )


def downgrade() -> None:
    op.drop_table("leaderboard_optouts")
    op.drop_table("user_badges")
