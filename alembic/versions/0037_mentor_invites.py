"""learner to mentor invitations, sent once per person

Revision ID: 0037_mentor_invites
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0037_mentor_invites"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "mentor_invites",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("invited_at", core.db.types.UTCDateTime(), nullable=False),
        sa.Column("sessions", sa.Integer(), nullable=False),
        sa.Column("rating_tenths", sa.Integer(), nullable=False),
        sa.Column("skills", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_mentor_invites_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_mentor_invites")),
    )


def downgrade() -> None:
    op.drop_table("mentor_invites")
