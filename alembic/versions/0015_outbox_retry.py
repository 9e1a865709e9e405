"""outbox: a state per row (pending, parked, dead, sent), when to try next, and why

Revision ID: 0015_outbox_retry
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0015_outbox_retry"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "outbox",
        sa.Column("state", sa.String(length=8), server_default="pending", nullable=False),
    )
    op.add_column(
        "outbox", sa.Column("next_attempt_at", core.db.types.UTCDateTime(), nullable=True)
    )
    op.add_column("outbox", sa.Column("reason", sa.String(length=200), nullable=True))
    op.execute("UPDATE outbox SET state = 'sent' WHERE delivered_at IS NOT NULL")
    op.create_index("ix_outbox_state_due", "outbox", ["state", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_outbox_state_due", table_name="outbox")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("reason")
        batch.drop_column("next_attempt_at")
        batch.drop_column("state")
