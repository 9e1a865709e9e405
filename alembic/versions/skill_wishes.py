"""skill wishes: "tell me when someone teaches X"

Revision ID: skill_wishes
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "skill_wishes"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "skill_wishes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.types.UTCDateTime(), nullable=False),
        sa.Column("told_at", core.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skills.id"], name=op.f("fk_skill_wishes_skill_id_skills")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_skill_wishes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_wishes")),
        sa.UniqueConstraint("user_id", "skill_id", name=op.f("uq_skill_wishes_user_id")),
    )
    with op.batch_alter_table("skill_wishes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skill_wishes_skill_id"), ["skill_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("skill_wishes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_skill_wishes_skill_id"))
    op.drop_table("skill_wishes")
