"""Alembic environment: runs on a connection handed in by mentorbot, or opens its own."""

from __future__ import annotations

import asyncio
import functools
import os

from sqlalchemy.engine import Connection

from alembic import context
from core.db.engine import create_engine
from core.tables import all_metadata

config = context.config
target_metadata = all_metadata()


@functools.cache
def slack_sdk_tables() -> frozenset[str]:
    """slack_sdk's installation tables are defined by slack_sdk (bots/slack/oauth.py), not by
    the models: autogenerate must not propose dropping them. Imported only when autogenerate
    compares (`alembic check`): every server start runs this file to upgrade, and importing
    slack_bolt there would cost a server without Slack a tenth of a second."""
    from bots.slack.oauth import oauth_metadata

    return frozenset(oauth_metadata().tables)


def _include_name(name: str | None, kind: str, parent: object) -> bool:
    return not (kind == "table" and name in slack_sdk_tables())


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_own() -> None:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "MENTORBOT_DATABASE_URL", "sqlite+aiosqlite:///./data/mentorbot.db"
    )
    engine = create_engine(url)
    async with engine.begin() as conn:
        await conn.run_sync(_run)
    await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
    else:
        asyncio.run(_run_own())
