"""email verification (issue 18): codes, verified addresses, listed domains, send counters

Revision ID: 0030_email_verify
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0030_email_verify"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_send_counts",
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("key", sa.String(length=254), nullable=False),
        sa.Column("window", sa.Integer(), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("scope", "key", "window", name=op.f("pk_email_send_counts")),
    )
    op.create_table(
        "email_codes",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("code_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_email_codes_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_email_codes")),
    )
    op.create_table(
        "email_domains",
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("label", sa.String(length=16), nullable=False),
        sa.Column("added_by", sa.Integer(), nullable=True),
        sa.Column("added_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["added_by"],
            ["users.id"],
            name=op.f("fk_email_domains_added_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("domain", name=op.f("pk_email_domains")),
    )
    op.create_table(
        "verified_emails",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("domain", sa.String(length=253), nullable=False),
        sa.Column("verified_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_verified_emails_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_verified_emails")),
        sa.UniqueConstraint("email", name=op.f("uq_verified_emails_email")),
    )
    with op.batch_alter_table("verified_emails", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_verified_emails_domain"), ["domain"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("verified_emails", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_verified_emails_domain"))

    op.drop_table("verified_emails")
    op.drop_table("email_domains")
    op.drop_table("email_codes")
    op.drop_table("email_send_counts")
