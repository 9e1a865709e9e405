"""matching: profile embeddings, interaction log per variant, admin settings

Revision ID: 0004_match
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0004_match"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = ("matching",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "match_embeddings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("model", sa.String(length=64), nullable=False),
        sa.Column("text_hash", sa.String(length=64), nullable=False),
        sa.Column("dim", sa.Integer(), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.Column("updated_at", core.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_match_embeddings_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "model", name=op.f("pk_match_embeddings")),
    )
    op.create_table(
        "match_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("variant", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("position", sa.Integer(), nullable=True),
        sa.Column("features", sa.JSON(), nullable=True),
        sa.Column("created_at", core.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_match_events_learner_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["users.id"], name=op.f("fk_match_events_mentor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_events")),
    )
    with op.batch_alter_table("match_events", schema=None) as batch_op:
        batch_op.create_index("ix_match_events_learner", ["learner_id", "mentor_id"], unique=False)
        batch_op.create_index("ix_match_events_variant_kind", ["variant", "kind"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_match_events_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_match_events_mentor_id"), ["mentor_id"], unique=False)
    op.create_table(
        "match_settings",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.JSON(), nullable=False),
        sa.Column("updated_at", core.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_match_settings")),
    )


def downgrade() -> None:
    op.drop_table("match_settings")
    with op.batch_alter_table("match_events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_events_mentor_id"))
        batch_op.drop_index(batch_op.f("ix_match_events_created_at"))
        batch_op.drop_index("ix_match_events_variant_kind")
        batch_op.drop_index("ix_match_events_learner")
    op.drop_table("match_events")
    op.drop_table("match_embeddings")
