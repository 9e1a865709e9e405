"""slack token columns wide enough for Fernet-encrypted tokens

Revision ID: 0032_slack_token_width
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0032_slack_token_width"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
# The tables come from the Slack OAuth migration.
depends_on: str | Sequence[str] | None = "0009_slack_oauth"

COLUMNS = {
    "slack_bots": ("bot_token", "bot_refresh_token"),
    "slack_installations": ("bot_token", "bot_refresh_token", "user_token", "user_refresh_token"),
}


def upgrade() -> None:
    for table, names in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name in names:
                batch.alter_column(
                    name, existing_type=sa.String(length=200), type_=sa.String(length=600)
                )


def downgrade() -> None:
    for table, names in COLUMNS.items():
        with op.batch_alter_table(table) as batch:
            for name in names:
                batch.alter_column(
                    name, existing_type=sa.String(length=600), type_=sa.String(length=200)
                )
