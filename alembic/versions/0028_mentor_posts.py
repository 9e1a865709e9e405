"""mentor posts, their tags, and the community announcements with buttons

Revision ID: 0028_mentor_posts
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

import core.db.types
from alembic import op

revision: str = "0028_mentor_posts"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
# community_announcements refers to relay_messages.
depends_on: str | Sequence[str] | None = "0015_relay"


def upgrade() -> None:
    op.create_table(
        "mentor_posts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", core.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("deleted_at", core.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["author_id"], ["users.id"], name=op.f("fk_mentor_posts_author_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mentor_posts")),
    )
    op.create_index(op.f("ix_mentor_posts_author_id"), "mentor_posts", ["author_id"], unique=False)
    op.create_table(
        "mentor_post_tags",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("skill_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["mentor_posts.id"],
            name=op.f("fk_mentor_post_tags_post_id_mentor_posts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["skill_id"], ["skills.id"], name=op.f("fk_mentor_post_tags_skill_id_skills")
        ),
        sa.PrimaryKeyConstraint("post_id", "skill_id", name=op.f("pk_mentor_post_tags")),
    )
    op.create_table(
        "community_announcements",
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=True),
        sa.Column("buttons", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["message_id"],
            ["relay_messages.id"],
            name=op.f("fk_community_announcements_message_id_relay_messages"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["post_id"],
            ["mentor_posts.id"],
            name=op.f("fk_community_announcements_post_id_mentor_posts"),
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_community_announcements")),
    )
    op.create_index(
        op.f("ix_community_announcements_post_id"),
        "community_announcements",
        ["post_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_community_announcements_post_id"), table_name="community_announcements")
    op.drop_table("community_announcements")
    op.drop_table("mentor_post_tags")
    op.drop_index(op.f("ix_mentor_posts_author_id"), table_name="mentor_posts")
    op.drop_table("mentor_posts")
