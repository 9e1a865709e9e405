"""group sessions and their seats

Revision ID: 0039_group_sessions
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0039_group_sessions"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
# group_seats refers to bookings.
depends_on: str | Sequence[str] | None = "0007_booking"


def upgrade() -> None:
    op.create_table(
        "group_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("mentor_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ends_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("length_min", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Text(), nullable=False),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("seats_taken", sa.Integer(), nullable=False),
        sa.Column("price_mode", sa.String(length=8), nullable=False),
        sa.Column("amount_minor", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("cancelled_at", core.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "price_mode in ('paid', 'free', 'credits')", name=op.f("ck_group_sessions_price_mode")
        ),
        sa.CheckConstraint(
            "status in ('open', 'cancelled')", name=op.f("ck_group_sessions_status")
        ),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_group_sessions_span")),
        sa.CheckConstraint("seats >= 1", name=op.f("ck_group_sessions_seats")),
        sa.CheckConstraint(
            "seats_taken >= 0 and seats_taken <= seats", name=op.f("ck_group_sessions_seat_count")
        ),
        sa.ForeignKeyConstraint(
            ["mentor_id"], ["users.id"], name=op.f("fk_group_sessions_mentor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_sessions")),
    )
    with op.batch_alter_table("group_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_group_sessions_mentor_id"), ["mentor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_group_sessions_starts_at"), ["starts_at"], unique=False
        )

    op.create_table(
        "group_seats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("learner_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_group_seats_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["group_id"], ["group_sessions.id"], name=op.f("fk_group_seats_group_id_group_sessions")
        ),
        sa.ForeignKeyConstraint(
            ["learner_id"], ["users.id"], name=op.f("fk_group_seats_learner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_seats")),
        sa.UniqueConstraint("booking_id", name=op.f("uq_group_seats_booking_id")),
    )
    with op.batch_alter_table("group_seats", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_group_seats_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_group_seats_learner_id"), ["learner_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("group_seats", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_seats_learner_id"))
        batch_op.drop_index(batch_op.f("ix_group_seats_group_id"))

    op.drop_table("group_seats")
    with op.batch_alter_table("group_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_sessions_starts_at"))
        batch_op.drop_index(batch_op.f("ix_group_sessions_mentor_id"))

    op.drop_table("group_sessions")
