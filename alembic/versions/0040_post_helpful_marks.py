"""posts marked helpful, once per person and post

Revision ID: 0040_post_helpful_marks
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0040_post_helpful_marks"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = "0028_mentor_posts"  # its posts table


def upgrade() -> None:
    op.create_table(
        "post_helpful_marks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", core.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["mentor_posts.id"],
            name=op.f("fk_post_helpful_marks_post_id_mentor_posts"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_post_helpful_marks_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_helpful_marks")),
        sa.UniqueConstraint("post_id", "user_id", name=op.f("uq_post_helpful_marks_post_id")),
    )
    with op.batch_alter_table("post_helpful_marks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_post_helpful_marks_post_id"), ["post_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_post_helpful_marks_user_id"), ["user_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("post_helpful_marks")
