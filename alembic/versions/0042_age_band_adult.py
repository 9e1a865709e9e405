"""age band "18plus": the question now asks under 13 / 13–17 / 18 or older (issue 18)

Revision ID: 0042_age_band_adult
Revises: 0002
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0042_age_band_adult"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
# The table comes from the user trust migration.
depends_on: str | Sequence[str] | None = "0031_user_trust"

NAME = "ck_user_trust_age_band"
NEW = "age_band in ('under18', '18plus', '18to24', '25plus')"
OLD = "age_band in ('under18', '18to24', '25plus')"


def _replace(check: str) -> None:
    with op.batch_alter_table("user_trust") as batch:
        batch.drop_constraint(op.f(NAME), type_="check")
        batch.create_check_constraint(op.f(NAME), check)


def upgrade() -> None:
    _replace(NEW)


def downgrade() -> None:
    # The older bands have no "18 or older": such answers become "asked again" (None).
    op.execute("UPDATE user_trust SET age_band = NULL WHERE age_band = '18plus'")
    _replace(OLD)
