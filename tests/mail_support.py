"""A real SMTP server for tests (aiosmtpd on 127.0.0.1, in its own thread) that keeps what
it received, and helpers to read a verification code out of a message."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

CODE_IN_TEXT = re.compile(r"\b(\d{6})\b")


@dataclass
class Received:
    sender: str
    to: tuple[str, ...]
    message: EmailMessage

    def part(self, subtype: str) -> str:
        body = self.message.get_body(preferencelist=(subtype,))
        assert body is not None, f"no text/{subtype} part"
        content = body.get_content()
        assert isinstance(content, str)
        return content

    @property
    def code(self) -> str:
        found = CODE_IN_TEXT.search(self.part("plain"))
        assert found is not None, self.part("plain")
        return found.group(1)


@dataclass
class Inbox:
    """What the SMTP server accepted, in order (filled from the server's thread)."""

    messages: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        msg = message_from_bytes(raw, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        with self.lock:
            self.messages.append(Received(str(envelope.mail_from), tuple(envelope.rcpt_tos), msg))
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[Received]:
        with self.lock:
            return [m for m in self.messages if address in m.to]

    def latest_code(self, address: str) -> str:
        mine = self.to(address)
        assert mine, f"no email to {address}; got {[m.to for m in self.messages]}"
        return mine[-1].code

    def count(self) -> int:
        with self.lock:
            return len(self.messages)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox


def run_smtp(**server_kwargs: Any) -> Iterator[SmtpServer]:
    """Starts aiosmtpd on a free 127.0.0.1 port; yields it; stops it."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port(), **server_kwargs)
    controller.start()
    try:
        yield SmtpServer("127.0.0.1", controller.port, inbox)
    finally:
        controller.stop()


def wait_for(inbox: Inbox, n: int, within_s: float = 5.0) -> None:
    """Mail is accepted before the client's send returns; this only bounds a slow thread."""
    deadline = time.monotonic() + within_s
    while inbox.count() < n and time.monotonic() < deadline:
        time.sleep(0.01)
