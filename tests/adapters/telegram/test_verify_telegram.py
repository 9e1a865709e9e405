"""/verify on Telegram: fake Bot API -> aiogram polling -> core -> a real SMTP server
(aiosmtpd on 127.0.0.1) -> the code typed back in the chat, and the "new code" button."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from bots.telegram.bot import TelegramBot
from core.app import CoreApp
from core.clock import ManualClock
from core.db.engine import Database
from mentorbot.mail import SmtpMailer
from tests.adapters.telegram.conftest import ADMIN_ID
from tests.adapters.telegram.fakeapi import FakeBotAPI
from tests.adapters.telegram.tguser import TgUser
from tests.mail_support import SmtpServer, run_smtp
from tests.support import make_core, rebuilt


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    yield from run_smtp()


@pytest.fixture
async def tg_core(db: Database, clock: ManualClock, smtp: SmtpServer) -> CoreApp:
    """The Telegram tests' core, sending mail to the test SMTP server."""
    core = await make_core(db, clock, admins=[f"telegram:{ADMIN_ID}"])
    mailer = SmtpMailer(smtp.host, smtp.port, sender="noreply@mentorbot.test", tls="none")
    return rebuilt(core, mailer=mailer)


async def test_verify_on_telegram_with_a_new_code(
    api: FakeBotAPI, tg: TelegramBot, smtp: SmtpServer
) -> None:
    u = TgUser(api, tg, 301, "Dev")
    await u.say("/verify dev@bits-pilani.ac.in")
    assert "I've sent a 6-digit code to dev@bits-pilani.ac.in" in u.text()
    first = smtp.inbox.latest_code("dev@bits-pilani.ac.in")
    await u.say("12 34")
    assert "The code is 6 digits" in u.text()
    await u.press("Send a new code")
    assert "I've sent a 6-digit code" in u.text()
    second = smtp.inbox.latest_code("dev@bits-pilani.ac.in")
    assert len(smtp.inbox.to("dev@bits-pilani.ac.in")) == 2
    if first != second:
        await u.say(first)  # a new code replaces the old one
        assert "That's not the code" in u.text()
    await u.say(second)
    assert "✅ Verified" in u.text() and "verified · bits-pilani.ac.in" in u.text()
