"""Email verification by one-time code (issue 18).

A code is six digits, stored only as an HMAC (the signing key), lives `verify_code_ttl_min`
minutes and allows `verify_max_attempts` tries. Sending is limited per address, per person and
per domain with counters in the database, so the limits hold across workers and concurrent
requests. The email itself goes out after the unit of work commits (`outgoing`).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.schema import User
from core.db.verification import (
    EmailCode,
    EmailDomain,
    VerifiedEmail,
    count_try,
    give_back_send,
    take_send,
    verified_domains,
    verified_of,
    within,
)
from core.mail import code_mail
from core.policies import Policies
from core.ports import Mail

EMAIL = re.compile(
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@((?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63})$"
)
DOMAIN = re.compile(r"^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
LABELS = ("college", "company")
CODE = re.compile(r"^\d{6}$")


def parse_email(text: str) -> str | None:
    """The address, lower-cased, or None when it isn't one."""
    text = text.strip().strip("<>").strip()
    if len(text) > 254 or not EMAIL.match(text) or len(text.partition("@")[0]) > 64:
        return None
    return text.casefold()


def domain_of(email: str) -> str:
    return email.rpartition("@")[2]


def parse_domain(text: str) -> str | None:
    text = text.strip().lstrip("@").casefold()
    return text if len(text) <= 253 and DOMAIN.match(text) else None


@dataclass(frozen=True)
class Sent:
    ok: bool
    message: str  # why not, when not ok
    email: str = ""


@dataclass(frozen=True)
class Checked:
    ok: bool
    message: str
    # The code can't be used any more (expired, out of tries, none): ask for a new one.
    dead: bool = False
    domain: str = ""


class Verification:
    def __init__(
        self,
        session: AsyncSession,
        now: datetime,
        policies: Policies,
        key: bytes,
        outgoing: list[tuple[int, Mail]],
    ) -> None:
        self.s = session
        self.now = now
        self.p = policies
        self.key = key
        self.outgoing = outgoing

    def _hash(self, user_id: int, email: str, code: str) -> str:
        msg = f"verify:{user_id}:{email}:{code}".encode()
        return hmac.new(self.key, msg, hashlib.sha256).hexdigest()

    # ---- sending ----

    async def send_code(self, user: User, email: str) -> Sent:
        """Checks, counts and queues a new code for `email` (already parsed)."""
        domain = domain_of(email)
        mine = await verified_of(self.s, user.id)
        if mine is not None and mine.email == email:
            return Sent(False, f"You're already verified as {email}.")
        holder = await self.s.scalar(
            select(VerifiedEmail.user_id).where(VerifiedEmail.email == email)
        )
        if holder is not None and holder != user.id:
            return Sent(
                False,
                "That address is already verified on another profile. If that profile is "
                "yours too, join the two with /link.",
            )
        if self.p.verify_listed_domains_only and not await self.listed_label(domain):
            listed = [d.domain for d in await self.domains()]
            names = ", ".join(listed) if listed else "none yet"
            return Sent(
                False,
                f"Only addresses at the colleges and companies listed here can be verified "
                f"({names}).",
            )
        length_s = max(60, self.p.verify_window_min * 60)
        window = int(self.now.timestamp()) // length_s
        left_min = max(1, -(-((window + 1) * length_s - int(self.now.timestamp())) // 60))
        limits = (
            ("address", email, self.p.verify_sends_per_address, "to that address"),
            ("person", str(user.id), self.p.verify_sends_per_person, "for you"),
            ("domain", domain, self.p.verify_sends_per_domain, f"to {domain} addresses"),
        )
        taken: list[tuple[str, str]] = []
        for scope, key, limit, where in limits:
            if not await take_send(self.s, scope, key, window, limit):
                for s, k in taken:
                    await give_back_send(self.s, s, k, window)
                return Sent(
                    False,
                    f"Too many codes were sent {where} lately. "
                    f"Try again in about {left_min} minute{'s' if left_min != 1 else ''}.",
                )
            taken.append((scope, key))
        code = f"{secrets.randbelow(10**6):06d}"
        row = await self.s.get(EmailCode, user.id)
        expires = self.now + timedelta(minutes=self.p.verify_code_ttl_min)
        if row is None:
            self.s.add(
                EmailCode(
                    user_id=user.id,
                    email=email,
                    code_hash=self._hash(user.id, email, code),
                    created_at=self.now,
                    expires_at=expires,
                    attempts=0,
                )
            )
        else:
            row.email, row.code_hash = email, self._hash(user.id, email, code)
            row.created_at, row.expires_at, row.attempts = self.now, expires, 0
        self.outgoing.append((user.id, code_mail(email, code, self.p.verify_code_ttl_min)))
        return Sent(True, "", email)

    # ---- checking ----

    async def check(self, user: User, code: str) -> Checked:
        """One try at the code (already six digits)."""
        row = await count_try(self.s, user.id, self.now, self.p.verify_max_attempts)
        if row is None:
            return await self._dead(user.id)
        if not hmac.compare_digest(row.code_hash, self._hash(user.id, row.email, code)):
            left = self.p.verify_max_attempts - row.attempts
            if left <= 0:
                return Checked(
                    False, "That's not the code, and it was the last try for it.", dead=True
                )
            return Checked(
                False, f"That's not the code. {left} tr{'ies' if left != 1 else 'y'} left."
            )
        email, domain = row.email, domain_of(row.email)
        await self.s.execute(delete(EmailCode).where(EmailCode.user_id == user.id))
        try:
            async with self.s.begin_nested():
                await self.s.execute(delete(VerifiedEmail).where(VerifiedEmail.user_id == user.id))
                self.s.add(
                    VerifiedEmail(user_id=user.id, email=email, domain=domain, verified_at=self.now)
                )
        except IntegrityError:
            return Checked(
                False,
                "That address was just verified on another profile. If it's yours too, "
                "join the two with /link.",
                dead=True,
            )
        return Checked(True, "", domain=domain)

    async def _dead(self, user_id: int) -> Checked:
        row = await self.s.get(EmailCode, user_id)
        if row is None:
            return Checked(False, "There's no code waiting for you.", dead=True)
        if row.expires_at <= self.now:
            return Checked(False, "That code has expired.", dead=True)
        return Checked(False, "Too many wrong tries: that code no longer works.", dead=True)

    async def waiting_for(self, user_id: int) -> str:
        """The address a live code was sent to, or ''."""
        row = await self.s.get(EmailCode, user_id)
        return row.email if row is not None and row.expires_at > self.now else ""

    # ---- who is verified ----

    async def verified(self, user_id: int) -> VerifiedEmail | None:
        return await verified_of(self.s, user_id)

    async def domains_of(self, user_ids: Iterable[int]) -> dict[int, str]:
        return await verified_domains(self.s, user_ids)

    async def verified_at(self, user_id: int, domain: str) -> bool:
        mine = await verified_of(self.s, user_id)
        return mine is not None and within(mine.domain, domain)

    # ---- the admins' list of domains ----

    async def domains(self) -> list[EmailDomain]:
        return list(await self.s.scalars(select(EmailDomain).order_by(EmailDomain.domain)))

    async def listed_label(self, domain: str) -> str:
        """college | company when the domain (or one it is within) is listed, else ''."""
        for d in await self.domains():
            if within(domain, d.domain):
                return d.label
        return ""

    async def add_domain(self, admin: User, domain: str, label: str) -> EmailDomain:
        row = await self.s.get(EmailDomain, domain)
        if row is None:
            row = EmailDomain(domain=domain, label=label, added_by=admin.id, added_at=self.now)
            self.s.add(row)
        else:
            row.label = label
        await self.s.flush()
        return row

    async def remove_domain(self, domain: str) -> bool:
        res = await self.s.execute(delete(EmailDomain).where(EmailDomain.domain == domain))
        return bool(res.rowcount)  # type: ignore[attr-defined]
