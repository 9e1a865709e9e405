"""call rooms: join records (join, leave, ICE state, consent, recording)

Revision ID: 0008_calls
Revises: 0007_booking
Create Date: 2026-11-23 09:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0008_calls"
down_revision: str | None = "0007_booking"
branch_labels: str | Sequence[str] | None = ("calls",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "room_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.Column("at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind in ('join', 'leave', 'ice', 'consent', 'recording')",
            name=op.f("ck_room_events_kind"),
        ),
        sa.CheckConstraint("role in ('mentor', 'learner')", name=op.f("ck_room_events_role")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_room_events_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_room_events_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_events")),
    )
    op.create_index("ix_room_events_booking_at", "room_events", ["booking_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_room_events_booking_at", table_name="room_events")
    op.drop_table("room_events")
