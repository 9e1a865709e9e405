"""Emails core writes (the verification code) and the demo mailer that only logs them."""

from __future__ import annotations

import logging
from html import escape

from core.ports import Mail

log = logging.getLogger("mentorbot.mail")


def code_mail(to: str, code: str, ttl_min: int) -> Mail:
    """The one-time code email, as plain text and HTML."""
    text = (
        f"Your MentorBot verification code is {code}\n\n"
        f"Type it in the chat where you sent /verify. It works for {ttl_min} minutes.\n"
        "If you didn't ask for it, ignore this email: nothing happens without the code.\n"
    )
    html = (
        "<!doctype html><html><body>"
        "<p>Your MentorBot verification code is</p>"
        f'<p style="font-size:28px;letter-spacing:4px"><strong>{escape(code)}</strong></p>'
        f"<p>Type it in the chat where you sent <code>/verify</code>. "
        f"It works for {int(ttl_min)} minutes.</p>"
        "<p>If you didn't ask for it, ignore this email: nothing happens without the code.</p>"
        "</body></html>"
    )
    return Mail(to=to, subject=f"MentorBot code: {code}", text=text, html=html)


class LogMailer:
    """No mail server configured (a demo): the message goes to the server log instead."""

    demo = True

    def __init__(self) -> None:
        self.sent: list[Mail] = []

    async def send(self, mail: Mail) -> None:
        self.sent.append(mail)
        del self.sent[:-100]  # the latest few, for a console or a test to read
        log.warning(
            "No mail server is set up (MENTORBOT_SMTP_HOST): email to %s not sent. Subject: %s\n%s",
            mail.to,
            mail.subject,
            mail.text,
        )
