"""skill swaps: two linked bookings, one credit each way

Revision ID: 0037_skill_swaps
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0037_skill_swaps"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = ("0007_booking",)


def upgrade() -> None:
    op.create_table(
        "skill_swaps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("proposer_id", sa.Integer(), nullable=False),
        sa.Column("partner_id", sa.Integer(), nullable=False),
        sa.Column("learn_booking_id", sa.Integer(), nullable=False),
        sa.Column("teach_booking_id", sa.Integer(), nullable=False),
        sa.Column("learn_skill_id", sa.Integer(), nullable=False),
        sa.Column("teach_skill_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("created_at", core.db.types.UTCDateTime(), nullable=False),
        sa.Column("decided_at", core.db.types.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status in ('proposed', 'accepted', 'declined', 'cancelled', 'expired', 'split')",
            name=op.f("ck_skill_swaps_status"),
        ),
        sa.CheckConstraint("proposer_id <> partner_id", name=op.f("ck_skill_swaps_not_self")),
        sa.ForeignKeyConstraint(
            ["learn_booking_id"],
            ["bookings.id"],
            name=op.f("fk_skill_swaps_learn_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["teach_booking_id"],
            ["bookings.id"],
            name=op.f("fk_skill_swaps_teach_booking_id_bookings"),
        ),
        sa.ForeignKeyConstraint(
            ["learn_skill_id"], ["skills.id"], name=op.f("fk_skill_swaps_learn_skill_id_skills")
        ),
        sa.ForeignKeyConstraint(
            ["teach_skill_id"], ["skills.id"], name=op.f("fk_skill_swaps_teach_skill_id_skills")
        ),
        sa.ForeignKeyConstraint(
            ["proposer_id"], ["users.id"], name=op.f("fk_skill_swaps_proposer_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"], ["users.id"], name=op.f("fk_skill_swaps_partner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_skill_swaps")),
        sa.UniqueConstraint("learn_booking_id", name=op.f("uq_skill_swaps_learn_booking_id")),
        sa.UniqueConstraint("teach_booking_id", name=op.f("uq_skill_swaps_teach_booking_id")),
    )
    with op.batch_alter_table("skill_swaps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_skill_swaps_proposer_id"), ["proposer_id"])
        batch_op.create_index(batch_op.f("ix_skill_swaps_partner_id"), ["partner_id"])


def downgrade() -> None:
    op.drop_table("skill_swaps")
