"""The Slack bot's settings (SlackConfig), readable without importing slack_bolt: the
composition root reads them to decide whether Slack is on at all."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SlackConfig:
    """MENTORBOT_SLACK_*: one workspace (bot token) or several (client id and secret)."""

    signing_secret: str
    bot_token: str = ""
    api_url: str = ""
    public_url: str = ""
    app_token: str = ""  # xapp-…: Socket Mode
    client_id: str = ""
    client_secret: str = ""
    # Fernet keys for the installation tokens at rest (MENTORBOT_DATA_KEY); empty: derived
    # from the signing secret (core/secretbox.py).
    data_key: str = ""

    @property
    def use_oauth(self) -> bool:
        """Without a bot token, a client id and secret turn on the OAuth install flow."""
        return not self.bot_token and bool(self.client_id and self.client_secret)
