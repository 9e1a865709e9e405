"""TelegramConfig decides whether Telegram is on without importing aiogram; its token check
must say what aiogram's own (which Bot() applies) says."""

from __future__ import annotations

import pytest
from aiogram.utils.token import TokenValidationError, validate_token

from bots.telegram.config import TelegramConfig, looks_like_token

TOKENS = [
    "123456:ABC-def_ghi",
    "1:x",
    "123456:",
    ":abc",
    "abc:def",
    "12a4:def",
    "123456",
    "123456:ab cd",
    " 123456:abc",
    "123456:abc\n",
    "123456:abc:def",
    "١٢٣:abc",  # Arabic-Indic digits: str.isdigit() says yes, as aiogram's check does
    "",
]


def aiogram_accepts(token: str) -> bool:
    try:
        return validate_token(token)
    except TokenValidationError:
        return False


@pytest.mark.parametrize("token", TOKENS)
def test_the_token_check_agrees_with_aiogram(token: str) -> None:
    assert looks_like_token(token) == aiogram_accepts(token)


def test_off_reasons() -> None:
    assert TelegramConfig().off_reason() == "MENTORBOT_TELEGRAM_TOKEN is not set"
    assert "doesn't look like a bot token" in (TelegramConfig(token="nope").off_reason() or "")
    assert TelegramConfig(token="1:x").off_reason() is None
    assert "webhook mode needs" in (TelegramConfig(token="1:x", mode="webhook").off_reason() or "")
