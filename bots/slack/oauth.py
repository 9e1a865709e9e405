"""Several workspaces: bolt's OAuth install flow with its stores kept in MentorBot's database.

The tables are slack_sdk's own (`slack_bots`, `slack_installations`, `slack_oauth_states`);
Alembic creates them (alembic/versions/0009_slack_oauth.py), the stores only read and
write rows. `oauth_metadata()` is what the schema tests compare the migration with.
"""

from __future__ import annotations

import copy

from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.sqlalchemy import AsyncSQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.sqlalchemy import AsyncSQLAlchemyOAuthStateStore
from sqlalchemy import MetaData, String, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.slack.paths import INSTALL_PATH, REDIRECT_PATH
from core.secretbox import DataBox

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
# The token columns of slack_sdk's tables, encrypted at rest (core/secretbox.py).
BOT_SECRETS = ("bot_token", "bot_refresh_token")
INSTALLATION_SECRETS = (*BOT_SECRETS, "user_token", "user_refresh_token")
SEALED_TOKEN_LENGTH = 600


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
    # Encrypted tokens are longer than the plaintext slack_sdk sizes for (String(200)): a
    # rotating 150-character token sealed is about 300 (migration 0032_slack_token_width).
    for table, names in (
        (metadata.tables["slack_bots"], BOT_SECRETS),
        (metadata.tables["slack_installations"], INSTALLATION_SECRETS),
    ):
        for name in names:
            table.c[name].type = String(SEALED_TOKEN_LENGTH)
    return metadata


class EncryptedInstallationStore(AsyncSQLAlchemyInstallationStore):
    """slack_sdk's store with the tokens sealed before a save and opened after a find; rows
    written before encryption (plaintext) are still read."""

    def __init__(self, *, client_id: str, engine: AsyncEngine, box: DataBox) -> None:
        super().__init__(client_id=client_id, engine=engine)
        self.box = box

    def _sealed(self, obj: Installation | Bot, names: tuple[str, ...]) -> Installation | Bot:
        out = copy.copy(obj)
        for name in names:
            if hasattr(out, name):
                setattr(out, name, self.box.seal(getattr(out, name)))
        return out

    def _opened(self, obj: Installation | Bot, names: tuple[str, ...]) -> None:
        for name in names:
            if hasattr(obj, name):
                setattr(obj, name, self.box.open(getattr(obj, name)))

    async def async_save(self, installation: Installation) -> None:
        sealed = self._sealed(installation, INSTALLATION_SECRETS)
        assert isinstance(sealed, Installation)
        await super().async_save(sealed)

    async def async_save_bot(self, bot: Bot) -> None:
        sealed = self._sealed(bot, BOT_SECRETS)
        assert isinstance(sealed, Bot)
        await super().async_save_bot(sealed)

    async def async_find_bot(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        is_enterprise_install: bool | None = False,
    ) -> Bot | None:
        bot = await super().async_find_bot(
            enterprise_id=enterprise_id,
            team_id=team_id,
            is_enterprise_install=is_enterprise_install,
        )
        if bot is not None:
            self._opened(bot, BOT_SECRETS)
        return bot

    async def async_find_installation(
        self,
        *,
        enterprise_id: str | None,
        team_id: str | None,
        user_id: str | None = None,
        is_enterprise_install: bool | None = False,
    ) -> Installation | None:
        found = await super().async_find_installation(
            enterprise_id=enterprise_id,
            team_id=team_id,
            user_id=user_id,
            is_enterprise_install=is_enterprise_install,
        )
        if found is not None:
            self._opened(found, INSTALLATION_SECRETS)
        return found


async def rotate_tokens(engine: AsyncEngine, box: DataBox) -> int:
    """Re-encrypt every stored Slack token under the newest data key (plaintext rows too);
    returns how many rows were rewritten. `mentorbot rotate-data-key` runs this."""
    meta = oauth_metadata()
    changed = 0
    async with engine.begin() as conn:
        for table, names in (
            (meta.tables["slack_bots"], BOT_SECRETS),
            (meta.tables["slack_installations"], INSTALLATION_SECRETS),
        ):
            cols = [table.c[n] for n in names]
            rows = (await conn.execute(select(table.c.id, *cols))).all()
            for row in rows:
                values = {n: box.rotate(row[i + 1]) for i, n in enumerate(names)}
                await conn.execute(update(table).where(table.c.id == row[0]).values(**values))
                changed += 1
    return changed


def oauth_settings(
    *, client_id: str, client_secret: str, engine: AsyncEngine, public_url: str, box: DataBox
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
        installation_store=EncryptedInstallationStore(client_id=client_id, engine=engine, box=box),
        installation_store_bot_only=True,
        state_store=AsyncSQLAlchemyOAuthStateStore(
            expiration_seconds=STATE_EXPIRATION_S, engine=engine
        ),
        state_expiration_seconds=STATE_EXPIRATION_S,
    )
