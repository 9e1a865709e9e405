"""Email verification (issue 18): one-time codes, verified addresses, admin-listed domains,
and send counters used for rate limits (atomic in the database, so every worker shares them)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from core.db.schema import Base


class EmailCode(Base):
    """The one code a person is waiting for (a new /verify replaces it). Only its HMAC."""

    __tablename__ = "email_codes"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254))
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class VerifiedEmail(Base):
    """A person's verified address (one per person; one person per address)."""

    __tablename__ = "verified_emails"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    email: Mapped[str] = mapped_column(String(254), unique=True)
    domain: Mapped[str] = mapped_column(String(253), index=True)
    verified_at: Mapped[datetime]


class EmailDomain(Base):
    """A domain an admin listed, with what it is (college | company)."""

    __tablename__ = "email_domains"

    domain: Mapped[str] = mapped_column(String(253), primary_key=True)
    label: Mapped[str] = mapped_column(String(16))
    added_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    added_at: Mapped[datetime]


class EmailSendCount(Base):
    """Codes sent in one time window, per scope (address | person | domain) and key."""

    __tablename__ = "email_send_counts"

    scope: Mapped[str] = mapped_column(String(8), primary_key=True)
    key: Mapped[str] = mapped_column(String(254), primary_key=True)
    window: Mapped[int] = mapped_column(Integer, primary_key=True)  # epoch seconds // length
    count: Mapped[int] = mapped_column(Integer, default=0)


def _counter(scope: str, key: str, window: int) -> tuple[object, ...]:
    return (
        EmailSendCount.scope == scope,
        EmailSendCount.key == key,
        EmailSendCount.window == window,
    )


async def take_send(session: AsyncSession, scope: str, key: str, window: int, limit: int) -> bool:
    """One more send in this window if fewer than `limit` were counted; atomic (a conditional
    UPDATE, or the INSERT of the window's first send, retried once when another won it)."""
    if limit <= 0:
        return False
    for _ in range(2):
        res = await session.execute(
            update(EmailSendCount)
            .where(*_counter(scope, key, window), EmailSendCount.count < limit)  # type: ignore[arg-type]
            .values(count=EmailSendCount.count + 1)
        )
        if res.rowcount == 1:  # type: ignore[attr-defined]
            return True
        there = await session.scalar(
            select(EmailSendCount.count).where(*_counter(scope, key, window))  # type: ignore[arg-type]
        )
        if there is not None:
            return False
        try:
            async with session.begin_nested():
                session.add(EmailSendCount(scope=scope, key=key, window=window, count=1))
            # Older windows of this key are no longer needed.
            await session.execute(
                delete(EmailSendCount).where(
                    EmailSendCount.scope == scope,
                    EmailSendCount.key == key,
                    EmailSendCount.window < window,
                )
            )
            return True
        except IntegrityError:
            continue  # someone else counted the window's first send: count on theirs
    return False


async def give_back_send(session: AsyncSession, scope: str, key: str, window: int) -> None:
    """Undo a take_send of this transaction (another limit refused the send)."""
    await session.execute(
        update(EmailSendCount)
        .where(*_counter(scope, key, window), EmailSendCount.count > 0)  # type: ignore[arg-type]
        .values(count=EmailSendCount.count - 1)
    )


async def count_try(
    session: AsyncSession, user_id: int, now: datetime, max_attempts: int
) -> EmailCode | None:
    """Counts one try at the person's code, atomically: None when there is no live code left
    to try (none, expired, or all tries used); else the row, tries counted."""
    res = await session.execute(
        update(EmailCode)
        .where(
            EmailCode.user_id == user_id,
            EmailCode.attempts < max_attempts,
            EmailCode.expires_at > now,
        )
        .values(attempts=EmailCode.attempts + 1)
    )
    if res.rowcount != 1:  # type: ignore[attr-defined]
        return None
    row = await session.get(EmailCode, user_id, populate_existing=True)
    return row


async def verified_of(session: AsyncSession, user_id: int) -> VerifiedEmail | None:
    return await session.get(VerifiedEmail, user_id)


async def verified_domains(session: AsyncSession, user_ids: Iterable[int]) -> dict[int, str]:
    ids = list(set(user_ids))
    if not ids:
        return {}
    rows = await session.execute(
        select(VerifiedEmail.user_id, VerifiedEmail.domain).where(VerifiedEmail.user_id.in_(ids))
    )
    return {uid: domain for uid, domain in rows}


def within(domain: str, parent: str) -> bool:
    """cse.iitb.ac.in is within iitb.ac.in; iitb.ac.in.evil.com is not."""
    domain, parent = domain.casefold(), parent.casefold().lstrip("@")
    return bool(parent) and (domain == parent or domain.endswith("." + parent))
