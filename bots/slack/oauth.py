"""Several workspaces: bolt's OAuth install flow with its stores kept in MentorBot's database.

The tables are slack_sdk's own (`slack_bots`, `slack_installations`, `slack_oauth_states`);
Alembic creates them (alembic/versions/0009_slack_oauth.py), the stores only read and
write rows. `oauth_metadata()` is what the schema tests compare the migration with.
"""

from __future__ import annotations

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import MetaData
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.slack.paths import INSTALL_PATH, REDIRECT_PATH

# What the app does (README, Slack; the manifest asks for these): the slash command and
# shortcuts, answers, calendar files, DMs read and opened, names, mentions read; for the
# community bridge: linked channels' messages read (public, private), whether the app is
# in a channel, shared files downloaded and uploaded.
SCOPES = (
    "commands",
    "chat:write",
    "files:write",
    "im:history",
    "im:write",
    "users:read",
    "app_mentions:read",
    "channels:history",
    "groups:history",
    "channels:read",
    "groups:read",
    "files:read",
    "reactions:read",  # 🚩 reports and moderators' 🗑️ in linked channels
)
STATE_EXPIRATION_S = 600


def oauth_metadata() -> MetaData:
    """The tables exactly as slack_sdk's SQLAlchemy stores define them."""
    metadata = MetaData()
    AsyncSQLAlchemyInstallationStore.build_bots_table(
        metadata, AsyncSQLAlchemyInstallationStore.default_bots_table_name
    )
    AsyncSQLAlchemyInstallationStore.build_installations_table(
        metadata, AsyncSQLAlchemyInstallationStore.default_installations_table_name
    )
    AsyncSQLAlchemyOAuthStateStore.build_oauth_states_table(
        metadata, AsyncSQLAlchemyOAuthStateStore.default_table_name
    )
    return metadata


def oauth_settings(
    *, client_id: str, client_secret: str, engine: AsyncEngine, public_url: str
) -> AsyncOAuthSettings:
    """Install at INSTALL_PATH (a redirect to Slack's consent page), back at REDIRECT_PATH."""
    return AsyncOAuthSettings(
        client_id=client_id,
        client_secret=client_secret,
        scopes=list(SCOPES),
        redirect_uri=public_url.rstrip("/") + REDIRECT_PATH,
        install_path=INSTALL_PATH,
        install_page_rendering_enabled=False,
        redirect_uri_path=REDIRECT_PATH,
        installation_store=AsyncSQLAlchemyInstallationStore(client_id=client_id, engine=engine),
        installation_store_bot_only=True,
        state_store=AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRATION_S, engine=engine
        ),
        state_expiration_seconds=STATE_EXPIRATION_S,
    )
