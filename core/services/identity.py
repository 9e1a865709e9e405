"""Users and their linked chat accounts (DESIGN §4)."""

from __future__ import annotations

import functools
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Select, bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from core.db.communities import CommunityMember
from core.db.schema import Account, Conversation, LinkCode, Outbox, User
from core.db.suspensions import Suspension
from core.delivery import due_now
from core.ledger import Ledger, wallet
from core.ledger.tables import Withdrawal
from core.messaging import Actor
from core.services.money import grant_starter_credits

LINK_TTL = timedelta(minutes=10)
_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def admin_keys(actor: Actor) -> set[str]:
    return {
        f"{actor.platform}:{actor.external_id}",
        f"{actor.platform}:{actor.workspace}:{actor.external_id}",
    }


def _hash_code(code: str) -> str:
    return hashlib.sha256(code.replace("-", "").upper().encode()).hexdigest()


@dataclass(frozen=True)
class LinkResult:
    ok: bool
    message: str
    into_user_id: int | None = None


@functools.cache
def _account_and_user() -> Select[Account, User, int | None, str | None]:
    # Runs on every message: both rows and the person's suspension (checked on every step,
    # core.runner) in one statement, built once.
    return (
        select(Account, User, Suspension.user_id, Suspension.reason)
        .join(User, User.id == Account.user_id)
        .outerjoin(Suspension, Suspension.user_id == User.id)
        .where(
            Account.platform == bindparam("platform"),
            Account.workspace == bindparam("workspace"),
            Account.external_id == bindparam("external_id"),
        )
    )


@dataclass(frozen=True)
class Who:
    """How a person is shown in a surface's header: their name and whether they are an admin."""

    name: str
    is_admin: bool


class Identity:
    def __init__(
        self,
        session: AsyncSession,
        now: datetime,
        admins: frozenset[str],
        *,
        starter_credits: int = 2,
    ) -> None:
        self.s = session
        self.now = now
        self.admins = admins
        self.starter_credits = starter_credits
        # user id -> suspension reason (None: not suspended), as read with the user.
        self._suspensions: dict[int, str | None] = {}

    async def suspension(self, user_id: int) -> str | None:
        """Why the person is suspended (None: they aren't); read along with resolve()."""
        if user_id not in self._suspensions:
            row = await self.s.get(Suspension, user_id)
            self._suspensions[user_id] = None if row is None else row.reason
        return self._suspensions[user_id]

    def suspension_changed(self, user_id: int) -> None:
        """A suspension was made or lifted in this unit of work: read it afresh next time."""
        self._suspensions.pop(user_id, None)

    async def resolve(self, actor: Actor) -> tuple[User, Account]:
        found = (
            await self.s.execute(
                _account_and_user(),
                {
                    "platform": actor.platform,
                    "workspace": actor.workspace,
                    "external_id": actor.external_id,
                },
            )
        ).first()
        if found is None:
            user = User(display_name=actor.display_name[:100] or "Friend", created_at=self.now)
            self.s.add(user)
            await self.s.flush()
            account = Account(
                user_id=user.id,
                platform=actor.platform,
                workspace=actor.workspace,
                external_id=actor.external_id,
                display_name=actor.display_name[:100],
                created_at=self.now,
            )
            self.s.add(account)
            await self.s.flush()
            user.primary_account_id = account.id
            await grant_starter_credits(Ledger(self.s, self.now), user.id, self.starter_credits)
            self._suspensions[user.id] = None
        else:
            account, user, suspended, reason = found
            self._suspensions[user.id] = None if suspended is None else reason or ""
            if actor.display_name and account.display_name != actor.display_name[:100]:
                account.display_name = actor.display_name[:100]
            if account.unreachable:
                account.unreachable = False
                await due_now(self.s, account.id)  # what waited for them goes out now
        if admin_keys(actor) & self.admins and not user.is_admin:
            user.is_admin = True
        return user, account

    async def find(self, actor: Actor) -> User | None:
        """The person behind a chat account, read only (None: they have never written)."""
        found = (
            await self.s.execute(
                _account_and_user(),
                {
                    "platform": actor.platform,
                    "workspace": actor.workspace,
                    "external_id": actor.external_id,
                },
            )
        ).first()
        return None if found is None else found[1]

    async def who(self, actor: Actor) -> Who | None:
        """How the person behind a chat account is shown (None: they have never written)."""
        user = await self.find(actor)
        if user is None:
            return None
        admin = user.is_admin or bool(admin_keys(actor) & self.admins)
        return Who(user.display_name, admin)

    async def accounts_of(self, user_id: int) -> list[Account]:
        rows = await self.s.scalars(
            select(Account).where(Account.user_id == user_id).order_by(Account.id)
        )
        return list(rows)

    async def issue_link_code(self, user: User, account: Account) -> str:
        raw = "".join(secrets.choice(_ALPHABET) for _ in range(8))
        self.s.add(
            LinkCode(
                code_hash=_hash_code(raw),
                user_id=user.id,
                account_id=account.id,
                expires_at=self.now + LINK_TTL,
            )
        )
        return f"{raw[:4]}-{raw[4:]}"

    async def check_link_code(self, code: str, user: User) -> LinkResult:
        row = await self.s.get(LinkCode, _hash_code(code.strip()))
        if row is None:
            return LinkResult(
                False, "That code doesn't exist. Check it, or make a new one with /link."
            )
        if row.used_at is not None:
            return LinkResult(False, "That code was already used. Make a new one with /link.")
        if row.expires_at <= self.now:
            return LinkResult(
                False, "That code has expired (codes last 10 minutes). Make a new one with /link."
            )
        if row.user_id == user.id:
            return LinkResult(
                False, "That code belongs to this same profile — enter it on your *other* chat app."
            )
        return LinkResult(True, "", row.user_id)

    async def redeem_link_code(self, code: str, user: User) -> LinkResult:
        check = await self.check_link_code(code, user)
        if not check.ok or check.into_user_id is None:
            return check
        # Conditional update: two redemptions racing for one code, only one wins.
        res = await self.s.execute(
            update(LinkCode)
            .where(LinkCode.code_hash == _hash_code(code.strip()), LinkCode.used_at.is_(None))
            .values(used_at=self.now)
        )
        if res.rowcount != 1:  # type: ignore[attr-defined]
            return LinkResult(False, "That code was already used. Make a new one with /link.")
        await self.merge(user.id, check.into_user_id)
        return LinkResult(True, "linked", check.into_user_id)

    async def merge(self, from_user_id: int, into_user_id: int) -> None:
        """Move every account of one user to another; the old user stays as a tombstone."""
        await self.s.execute(
            update(Account).where(Account.user_id == from_user_id).values(user_id=into_user_id)
        )
        await self.s.execute(
            update(Outbox)
            .where(Outbox.user_id == from_user_id, Outbox.delivered_at.is_(None))
            .values(user_id=into_user_id)
        )
        # Communities: the merged person is a member wherever either was.
        theirs = select(CommunityMember.community_id).where(CommunityMember.user_id == into_user_id)
        await self.s.execute(
            update(CommunityMember)
            .where(
                CommunityMember.user_id == from_user_id,
                CommunityMember.community_id.not_in(theirs),
            )
            .values(user_id=into_user_id)
        )
        old = await self.s.get(User, from_user_id)
        if old is not None:
            old.merged_into_id = into_user_id
            old.primary_account_id = None
        into = await self.s.get(User, into_user_id)
        if into is not None and old is not None and old.is_admin:
            into.is_admin = True
        await self._merge_wallets(from_user_id, into_user_id)

    async def _merge_wallets(self, from_user_id: int, into_user_id: int) -> None:
        """One person, one wallet: balances move over; pending withdrawals follow the person."""
        ledger = Ledger(self.s, self.now)
        for currency, amount in sorted((await ledger.wallet_balances(from_user_id)).items()):
            if amount > 0:
                await ledger.transfer(
                    key=f"merge:{from_user_id}:{into_user_id}:{currency}",
                    source=wallet(from_user_id, currency),
                    dest=wallet(into_user_id, currency),
                    amount=amount,
                    kind="merge",
                    memo="From your linked account",
                )
        await self.s.execute(
            update(Withdrawal)
            .where(Withdrawal.user_id == from_user_id, Withdrawal.state == "requested")
            .values(user_id=into_user_id)
            .execution_options(synchronize_session=False)
        )

    async def set_primary(self, user: User, account: Account) -> None:
        if account.user_id != user.id:
            raise ValueError("account belongs to another user")
        user.primary_account_id = account.id

    async def count_users(self) -> int:
        return int(await self.s.scalar(select(func.count()).select_from(User)) or 0)

    async def forget_conversation(self, platform: str, workspace: str, external_id: str) -> None:
        rows = await self.s.scalars(
            select(Conversation).where(
                Conversation.platform == platform,
                Conversation.workspace == workspace,
                Conversation.external_id == external_id,
            )
        )
        for conv in rows:
            conv.dialog = None
            conv.state = None
            conv.data = {}
