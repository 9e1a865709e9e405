"""The SMTP mailer (aiosmtplib) against a real aiosmtpd server on 127.0.0.1: plain, STARTTLS
and implicit TLS with a self-signed certificate; settings choose it, or the log mailer."""

from __future__ import annotations

import datetime as dt
import ipaddress
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.mail import LogMailer, code_mail
from core.ports import MailError
from mentorbot.mail import SmtpMailer, make_mailer
from mentorbot.settings import Settings
from tests.mail_support import SmtpServer, free_port, run_smtp


def _cert(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_files(tmp_path: Path) -> tuple[Path, Path]:
    return _cert(tmp_path)


def _contexts(cert: Path, key: Path) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert, key)
    client = ssl.create_default_context(cafile=str(cert))  # trusts only this certificate
    return server, client


async def test_starttls_is_required_and_used(tls_files: tuple[Path, Path]) -> None:
    server_ctx, client_ctx = _contexts(*tls_files)
    smtp_gen: Iterator[SmtpServer] = run_smtp(tls_context=server_ctx, require_starttls=True)
    smtp = next(smtp_gen)
    try:
        plain = SmtpMailer(smtp.host, smtp.port, sender="a@m.test", tls="none", timeout_s=5)
        with pytest.raises(MailError):  # the server insists on STARTTLS
            await plain.send(code_mail("x@y.edu", "123456", 10))
        mailer = SmtpMailer(
            smtp.host, smtp.port, sender="a@m.test", tls="starttls", tls_context=client_ctx
        )
        await mailer.send(code_mail("x@y.edu", "654321", 10))
        assert smtp.inbox.latest_code("x@y.edu") == "654321"
    finally:
        for _ in smtp_gen:
            pass


async def test_implicit_tls(tls_files: tuple[Path, Path]) -> None:
    server_ctx, client_ctx = _contexts(*tls_files)
    smtp_gen: Iterator[SmtpServer] = run_smtp(ssl_context=server_ctx)
    smtp = next(smtp_gen)
    try:
        mailer = SmtpMailer(
            smtp.host, smtp.port, sender="a@m.test", tls="tls", tls_context=client_ctx
        )
        await mailer.send(code_mail("t@y.edu", "111222", 10))
        assert smtp.inbox.latest_code("t@y.edu") == "111222"
    finally:
        for _ in smtp_gen:
            pass


async def test_an_unreachable_server_is_a_mail_error() -> None:
    mailer = SmtpMailer("127.0.0.1", free_port(), sender="a@m.test", tls="none", timeout_s=2)
    with pytest.raises(MailError):
        await mailer.send(code_mail("x@y.edu", "123456", 10))


def test_settings_choose_the_mailer(tmp_path: Path) -> None:
    def settings(**kw: object) -> Settings:
        return Settings(_env_file=None, data_dir=tmp_path, **kw)

    assert isinstance(make_mailer(settings()), LogMailer)
    assert make_mailer(settings()).demo
    ports = {
        mode: make_mailer(settings(smtp_host="mail.example.edu", smtp_from="a@b.c", smtp_tls=mode))
        for mode in ("starttls", "tls", "none")
    }
    assert {m: p.port for m, p in ports.items()} == {"starttls": 587, "tls": 465, "none": 25}  # type: ignore[attr-defined]
    given = make_mailer(settings(smtp_host="h", smtp_port=2525, smtp_user="bot@b.c"))
    assert isinstance(given, SmtpMailer) and given.port == 2525 and given.sender == "bot@b.c"
    assert not given.demo
    with pytest.raises(ValueError, match="MENTORBOT_SMTP_FROM"):
        make_mailer(settings(smtp_host="h"))
