"""The Telegram bot's settings (TelegramConfig), readable without importing aiogram: the
composition root reads them to decide whether Telegram is on at all, and aiogram costs
seconds of import (pydantic building its types) that a server without Telegram never pays."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

DEFAULT_API_URL = "https://api.telegram.org"
PATH = "/webhooks/telegram"  # served by webhooks.telegram in webhook mode
_SECRET_OK = re.compile(r"^[A-Za-z0-9_-]{1,256}$")  # what Telegram accepts as secret_token


def looks_like_token(token: str) -> bool:
    """aiogram's own rule (aiogram.utils.token.validate_token, which Bot() applies): no
    whitespace, digits, a colon, something after it. Kept here so the check needs no aiogram;
    tests/adapters/telegram/test_config.py holds the two to the same answers."""
    if any(c.isspace() for c in token):
        return False
    left, sep, right = token.partition(":")
    return bool(sep) and left.isdigit() and bool(right)


@dataclass(frozen=True)
class TelegramConfig:
    token: str = ""
    api_url: str = DEFAULT_API_URL
    mode: Literal["polling", "webhook"] = "polling"
    webhook_secret: str = ""
    public_url: str = ""
    polling_timeout: int = 25

    def off_reason(self) -> str | None:
        """Why the bot can't run with this configuration, in words for the log."""
        if not self.token:
            return "MENTORBOT_TELEGRAM_TOKEN is not set"
        if not looks_like_token(self.token):
            return "MENTORBOT_TELEGRAM_TOKEN doesn't look like a bot token (123456:ABC...)"
        if self.mode == "webhook" and not self.webhook_secret:
            return "webhook mode needs MENTORBOT_TELEGRAM_WEBHOOK_SECRET"
        if self.webhook_secret and not _SECRET_OK.match(self.webhook_secret):
            return "MENTORBOT_TELEGRAM_WEBHOOK_SECRET may only use A-Z a-z 0-9 _ - (1-256 chars)"
        return None

    @property
    def webhook_url(self) -> str:
        return self.public_url.rstrip("/") + PATH
