"""quiet hours: a person's nightly window; outbox rows carry their kind and a not-before time

Revision ID: 0043_quiet_hours
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0043_quiet_hours"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
# The outbox's state and next_attempt_at columns are 0015's; the relay tables 0035's.
depends_on: str | Sequence[str] | None = "0015_outbox_retry"


def upgrade() -> None:
    op.create_table(
        "quiet_hours",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("start_min", sa.Integer(), nullable=False),
        sa.Column("end_min", sa.Integer(), nullable=False),
        sa.Column("updated_at", core.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_quiet_hours_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_quiet_hours")),
    )
    op.add_column(
        "outbox",
        sa.Column("kind", sa.String(length=24), server_default="reply", nullable=False),
    )
    op.add_column("outbox", sa.Column("not_before", core.db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("not_before")
        batch.drop_column("kind")
    op.drop_table("quiet_hours")
