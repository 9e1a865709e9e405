"""call rooms: the room's text chat, kept with the booking

Revision ID: 0013_room_chat
Revises: 0008_calls
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0013_room_chat"
down_revision: str | None = "0008_calls"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "room_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("booking_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=8), nullable=False),
        sa.Column("text", sa.String(length=2000), nullable=False),
        sa.Column("at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("role in ('mentor', 'learner')", name=op.f("ck_room_messages_role")),
        sa.ForeignKeyConstraint(
            ["booking_id"], ["bookings.id"], name=op.f("fk_room_messages_booking_id_bookings")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_room_messages_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_messages")),
    )
    op.create_index("ix_room_messages_booking_at", "room_messages", ["booking_id", "at"])


def downgrade() -> None:
    op.drop_index("ix_room_messages_booking_at", table_name="room_messages")
    op.drop_table("room_messages")
