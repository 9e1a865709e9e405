"""Email out: SMTP with aiosmtplib behind core's Mailer port, or the log mailer (demo)."""

from __future__ import annotations

import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

import aiosmtplib

from core.mail import LogMailer
from core.ports import Mail, Mailer, MailError
from mentorbot.settings import Settings

DEFAULT_PORTS = {"starttls": 587, "tls": 465, "none": 25}


def mime_of(mail: Mail, sender: str) -> EmailMessage:
    """multipart/alternative: the plain text first, the HTML as the richer alternative."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = mail.to
    msg["Subject"] = mail.subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2].strip("> ") or None)
    msg.set_content(mail.text)
    msg.add_alternative(mail.html, subtype="html")
    return msg


class SmtpMailer:
    demo = False

    def __init__(
        self,
        host: str,
        port: int,
        *,
        sender: str,
        tls: str = "starttls",
        user: str = "",
        password: str = "",
        timeout_s: float = 20.0,
        tls_context: ssl.SSLContext | None = None,
    ) -> None:
        if tls not in DEFAULT_PORTS:
            raise ValueError(f"smtp tls mode must be starttls, tls or none, not {tls!r}")
        self.host = host
        self.port = port or DEFAULT_PORTS[tls]
        self.sender = sender
        self.tls = tls
        self.user = user
        self.password = password
        self.timeout_s = timeout_s
        self.tls_context = tls_context

    async def send(self, mail: Mail) -> None:
        try:
            await aiosmtplib.send(
                mime_of(mail, self.sender),
                hostname=self.host,
                port=self.port,
                username=self.user or None,
                password=self.password or None,
                use_tls=self.tls == "tls",
                start_tls=self.tls == "starttls",
                timeout=self.timeout_s,
                tls_context=self.tls_context,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise MailError(str(exc) or type(exc).__name__) from exc


def make_mailer(settings: Settings) -> Mailer:
    """SMTP when MENTORBOT_SMTP_HOST is set; otherwise the log mailer (demo)."""
    if not settings.smtp_host:
        return LogMailer()
    sender = settings.smtp_from or settings.smtp_user
    if not sender:
        raise ValueError("MENTORBOT_SMTP_FROM (or MENTORBOT_SMTP_USER) is needed with SMTP")
    return SmtpMailer(
        settings.smtp_host,
        settings.smtp_port,
        sender=sender,
        tls=settings.smtp_tls,
        user=settings.smtp_user,
        password=settings.smtp_password.get_secret_value(),
        timeout_s=settings.smtp_timeout_s,
    )
