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
# bookings.group_id refers to group_sessions; the mentor exclusion is 0007's.
depends_on: str | Sequence[str] | None = "0007_booking"

_ACTIVE = "status in ('requested', 'accepted', 'confirmed')"


def _mentor_exclusion(where: str) -> None:
    op.execute("ALTER TABLE bookings DROP CONSTRAINT ex_bookings_mentor_time")
    op.execute(
        "ALTER TABLE bookings ADD CONSTRAINT ex_bookings_mentor_time EXCLUDE USING gist "
        "(int4range(mentor_id, mentor_id, '[]') WITH &&, "
        f"tstzrange(starts_at, ends_at) WITH &&) WHERE ({where})"
    )


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

    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("group_id", sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f("ix_bookings_group_id"), ["group_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_bookings_group_id_group_sessions"),
            "group_sessions",
            ["group_id"],
            ["id"],
        )
    if op.get_bind().dialect.name == "postgresql":
        # Seats of one group share the mentor's time; the group itself holds it.
        _mentor_exclusion(f"{_ACTIVE} and group_id is null")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _mentor_exclusion(_ACTIVE)
    with op.batch_alter_table("bookings", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_bookings_group_id_group_sessions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_bookings_group_id"))
        batch_op.drop_column("group_id")

    with op.batch_alter_table("group_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_group_sessions_starts_at"))
        batch_op.drop_index(batch_op.f("ix_group_sessions_mentor_id"))

    op.drop_table("group_sessions")
