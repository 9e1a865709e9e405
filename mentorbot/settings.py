"""Settings from the environment (prefix MENTORBOT_) and .env, read once at start."""

from __future__ import annotations

import secrets
from dataclasses import fields
from pathlib import Path
from typing import Annotated, Any, Literal, get_type_hints

from pydantic import Field, SecretStr, create_model, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bots.telegram.config import TelegramConfig
from core.policies import Policies
from core.secretbox import DataBox
from core.signing import SigningKeys

# The public URL is a setting of its own (see Settings.base_url), not a policy to set.
_DERIVED = frozenset({"public_url"})


def _policy_fields() -> dict[str, Any]:
    hints = get_type_hints(Policies)
    return {f.name: (hints[f.name], f.default) for f in fields(Policies) if f.name not in _DERIVED}


# Every policy (DESIGN §7, declared once in core.policies.Policies) is the setting of the same
# name, MENTORBOT_<NAME>, with the same default.
PolicySettings: type[BaseSettings] = create_model(
    "PolicySettings", __base__=BaseSettings, **_policy_fields()
)


class Settings(PolicySettings):  # type: ignore[misc,valid-type]
    model_config = SettingsConfigDict(
        env_prefix="MENTORBOT_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    database_url: str = "sqlite+aiosqlite:///./data/mentorbot.db"
    # PostgreSQL: connections each worker keeps; more concurrent steps wait for one.
    database_pool_size: int = Field(default=20, ge=1, le=500)
    http_host: str = "127.0.0.1"
    http_port: int = 8080
    public_url: str = ""
    secret_key: SecretStr = SecretStr("")
    # Key rotation: retired keys, comma-separated; tokens they signed are still accepted.
    old_secret_keys: SecretStr = SecretStr("")
    # Fernet keys (comma-separated, newest first) for platform tokens stored in the database;
    # empty: derived from the secret key (core/secretbox.py). Rotate: mentorbot rotate-data-key
    data_key: SecretStr = SecretStr("")
    admins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    data_dir: Path = Path("./data")
    log_level: str = "INFO"
    tick_seconds: float = 20.0  # 0 turns the scheduler off
    # Several workers (issue 21): shared state and the scheduler's lease; empty: not used.
    redis_url: str = ""
    worker_name: str = ""  # how logs and /healthz name this worker; default host:pid
    # Telegram (bots/telegram): off without a token; webhook mode also needs a secret.
    telegram_token: SecretStr = SecretStr("")
    telegram_api_url: str = "https://api.telegram.org"
    telegram_mode: Literal["polling", "webhook"] = "polling"
    telegram_webhook_secret: SecretStr = SecretStr("")
    # Money (DESIGN §5, §7). Without Razorpay keys the local sandbox gateway is used.
    razorpay_key_id: str = ""
    razorpay_key_secret: SecretStr = SecretStr("")
    razorpay_webhook_secret: SecretStr = SecretStr("")
    razorpay_api_url: str = ""  # e.g. a local fake of Razorpay's API in tests
    razorpay_payout_account: str = ""  # RazorpayX account number, for payouts
    # Slack and Discord (issue 6): empty means that platform is off.
    slack_signing_secret: SecretStr = SecretStr("")
    slack_bot_token: SecretStr = SecretStr("")
    slack_api_url: str = ""
    slack_app_token: SecretStr = SecretStr("")  # xapp-…: Socket Mode, no public URL needed
    # Several workspaces: without a bot token, these turn on the OAuth install flow.
    slack_client_id: str = ""
    slack_client_secret: SecretStr = SecretStr("")
    discord_token: SecretStr = SecretStr("")
    discord_api_url: str = ""
    discord_gateway_url: str = ""
    discord_cdn_url: str = ""  # avatars ("Use my Discord photo"); default cdn.discordapp.com
    # Gateway shards (issue 21, part 6): each is held by exactly one worker, elected by a
    # lease per shard; 1 keeps the single connection. Discord requires more past 2,500 servers.
    discord_shard_count: int = Field(default=1, ge=1, le=1024)
    # How often newly approved mentors are looked for, to announce in set-up servers.
    discord_announce_every_s: float = 30.0
    # Matching (DESIGN 8): minilm | hashing | none (Directory ranking only).
    match_model: str = "minilm"
    match_retrain_minutes: float = 30.0
    match_experiment: str = "ranker-1"
    match_treatment_share: float = 0.5
    # Email (issue 18): verification codes go out over SMTP; without a host they are written
    # to the server log (a demo). tls: starttls (port 587), tls (implicit, 465), none (25).
    smtp_host: str = ""
    smtp_port: int = 0  # 0: the usual port of smtp_tls
    smtp_user: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_from: str = ""  # e.g. MentorBot <noreply@example.edu>; default: smtp_user
    smtp_tls: Literal["starttls", "tls", "none"] = "starttls"
    smtp_timeout_s: float = 20.0
    # Call rooms
    stun_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    turn_urls: Annotated[list[str], NoDecode] = Field(default_factory=list)
    turn_secret: SecretStr = SecretStr("")
    turn_ttl_s: int = 3600
    call_mode: Literal["p2p", "relay"] = "p2p"
    call_recording: bool = True

    @field_validator("stun_urls", "turn_urls", mode="before")
    @classmethod
    def _split_urls(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("admins", mode="before")
    @classmethod
    def _split_admins(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("admins")
    @classmethod
    def _check_admins(cls, value: list[str]) -> list[str]:
        for entry in value:
            platform, sep, rest = entry.partition(":")
            if (
                not sep
                or not rest
                or platform not in ("telegram", "discord", "slack", "web", "console")
            ):
                raise ValueError(
                    f"admin entry {entry!r} must look like platform:id, e.g. web:alice or telegram:12345"
                )
        return value

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.http_host}:{self.http_port}").rstrip("/")

    def telegram(self) -> TelegramConfig:
        return TelegramConfig(
            token=self.telegram_token.get_secret_value(),
            api_url=self.telegram_api_url,
            mode=self.telegram_mode,
            webhook_secret=self.telegram_webhook_secret.get_secret_value(),
            public_url=self.base_url,
        )

    def policies(self) -> Policies:
        values = {f.name: getattr(self, f.name) for f in fields(Policies) if f.name not in _DERIVED}
        return Policies(**values, public_url=self.base_url)

    def signing_keys(self) -> SigningKeys:
        """The current key signs; each of MENTORBOT_OLD_SECRET_KEYS is still accepted."""
        old = self.old_secret_keys.get_secret_value().split(",")
        return SigningKeys.from_list(self.secret(), [k.strip().encode() for k in old if k.strip()])

    def data_box(self) -> DataBox:
        """What seals platform tokens at rest (MENTORBOT_DATA_KEY, or derived from the secret)."""
        return DataBox.from_settings(self.data_key.get_secret_value(), self.secret())

    def secret(self) -> bytes:
        """The signing key; without one configured, a random key is kept in the data folder."""
        given = self.secret_key.get_secret_value()
        if given:
            return given.encode()
        path = self.data_dir / ".secret_key"
        if path.exists():
            return path.read_text().strip().encode()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        path.write_text(key)
        path.chmod(0o600)
        return key.encode()
