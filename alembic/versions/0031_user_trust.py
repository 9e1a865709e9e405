"""user trust: age band and profile picture (issue 18)

Revision ID: 0031_user_trust
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0031_user_trust"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_trust",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("age_band", sa.String(length=8), nullable=True),
        sa.Column("avatar", sa.String(length=64), nullable=True),
        sa.Column("avatar_source", sa.String(length=16), nullable=False),
        sa.Column("updated_at", core.db.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "age_band in ('under18', '18to24', '25plus')", name=op.f("ck_user_trust_age_band")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_trust_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_user_trust")),
    )


def downgrade() -> None:
    op.drop_table("user_trust")
