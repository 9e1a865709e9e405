"""Double-entry ledger (DESIGN §5): immutable transfers between accounts, cached balances.

Every transfer has a unique idempotency key: the same key with the same body returns the
transfer already made, a different body raises `IdempotencyConflict`. A balance changes only
by a conditional UPDATE in the transfer's transaction, so a wallet can't go negative even
when many transactions race (PostgreSQL re-checks the condition after a row lock; SQLite
runs writers one at a time with BEGIN IMMEDIATE).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.ledger.tables import LedgerAccount, LedgerTransfer, Withdrawal

CURRENCIES = ("INR", "CREDIT")
PLATFORM_KINDS = ("escrow", "platform_revenue", "gateway_clearing", "credit_issuance")
# Platform accounts that may go negative: money or credits that came from outside.
NEGATIVE_OK = frozenset({"escrow", "platform_revenue", "gateway_clearing", "credit_issuance"})
HELD_KINDS = ("payouts_pending",)


class LedgerError(Exception):
    pass


class InsufficientFunds(LedgerError):
    def __init__(self, code: str, amount: int) -> None:
        super().__init__(f"{code} can't pay {amount}")
        self.code = code
        self.amount = amount


class IdempotencyConflict(LedgerError):
    def __init__(self, key: str) -> None:
        super().__init__(f"transfer key {key!r} was already used for a different transfer")
        self.key = key


@dataclass(frozen=True)
class Acct:
    """Names an account: a user's wallet or a platform account, in one currency."""

    kind: str
    currency: str
    user_id: int | None = None

    @property
    def code(self) -> str:
        if self.user_id is not None:
            return f"{self.kind}:{self.user_id}:{self.currency}"
        return f"{self.kind}:{self.currency}"


def wallet(user_id: int, currency: str) -> Acct:
    return Acct("wallet", currency, user_id)


def platform(kind: str, currency: str) -> Acct:
    if kind not in (*PLATFORM_KINDS, *HELD_KINDS):
        raise ValueError(f"unknown platform account {kind}")
    return Acct(kind, currency)


@dataclass(frozen=True)
class Entry:
    """One transfer as a wallet owner sees it: signed amount, newest first."""

    transfer_id: int
    at: datetime
    currency: str
    amount: int  # + in, - out
    kind: str
    ref: str
    memo: str


class Ledger:
    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.s = session
        self.now = now

    # -- accounts ---------------------------------------------------------------------------

    async def account(self, acct: Acct) -> LedgerAccount:
        """The account row, created on first use (racing creators end with one row)."""
        if acct.currency not in CURRENCIES:
            raise LedgerError(f"unsupported currency {acct.currency}")
        row = await self.s.scalar(select(LedgerAccount).where(LedgerAccount.code == acct.code))
        if row is not None:
            return row
        try:
            async with self.s.begin_nested():
                row = LedgerAccount(
                    code=acct.code,
                    kind=acct.kind,
                    user_id=acct.user_id,
                    currency=acct.currency,
                    allow_negative=acct.kind in NEGATIVE_OK,
                    balance=0,
                    created_at=self.now,
                )
                self.s.add(row)
                await self.s.flush()
            return row
        except IntegrityError:
            found = await self.s.scalar(
                select(LedgerAccount).where(LedgerAccount.code == acct.code)
            )
            assert found is not None
            return found

    async def lock(self, *accts: Acct) -> None:
        """Hold these accounts' rows until commit (PostgreSQL; SQLite writers are already
        serialised). Lock escrow before anything else, as `transfer` does."""
        rows = [await self.account(a) for a in accts]
        for row in sorted(rows, key=lambda a: (a.kind != "escrow", a.id)):
            await self.s.execute(
                select(LedgerAccount.id).where(LedgerAccount.id == row.id).with_for_update()
            )

    async def outflows(self, ref: str, source: Acct) -> int:
        """How many transfers tagged `ref` left `source` (numbers rounds of a repeated step)."""
        acc_id = await self._account_id(source)
        if acc_id is None:
            return 0
        n = await self.s.scalar(
            select(func.count()).where(
                LedgerTransfer.ref == ref, LedgerTransfer.source_id == acc_id
            )
        )
        return int(n or 0)

    async def _account_id(self, acct: Acct) -> int | None:
        return await self.s.scalar(select(LedgerAccount.id).where(LedgerAccount.code == acct.code))

    # -- transfers --------------------------------------------------------------------------

    async def transfer(
        self,
        *,
        key: str,
        source: Acct,
        dest: Acct,
        amount: int,
        kind: str,
        ref: str = "",
        memo: str = "",
    ) -> LedgerTransfer:
        """Move `amount` (minor units) from source to dest, once per key.

        Raises InsufficientFunds (nothing changed) if source may not go negative and
        holds less; IdempotencyConflict if key was used for a different transfer.
        """
        if amount <= 0:
            raise LedgerError("amount must be positive")
        if source.currency != dest.currency:
            raise LedgerError("a transfer stays in one currency")
        if source == dest:
            raise LedgerError("source and destination are the same account")
        existing = await self._by_key(key)
        if existing is not None:
            return await self._same(existing, key, source, dest, amount, kind, ref)
        src = await self.account(source)
        dst = await self.account(dest)
        try:
            async with self.s.begin_nested():
                row = LedgerTransfer(
                    key=key,
                    source_id=src.id,
                    dest_id=dst.id,
                    amount=amount,
                    currency=source.currency,
                    kind=kind,
                    ref=ref,
                    memo=memo[:500],
                    created_at=self.now,
                )
                self.s.add(row)
                await self.s.flush()
                # One global lock order (escrow first, then by id) so transactions never
                # wait on each other in a cycle; see `lock`.
                for acc in sorted((src, dst), key=lambda a: (a.kind != "escrow", a.id)):
                    await self._apply(acc, -amount if acc is src else amount)
        except IntegrityError:
            existing = await self._by_key(key)
            if existing is None:
                raise
            return await self._same(existing, key, source, dest, amount, kind, ref)
        return row

    async def _apply(self, acc: LedgerAccount, delta: int) -> None:
        stmt = (
            update(LedgerAccount)
            .where(LedgerAccount.id == acc.id)
            .values(balance=LedgerAccount.balance + delta)
            .execution_options(synchronize_session=False)
        )
        if delta < 0:
            stmt = stmt.where(
                or_(LedgerAccount.allow_negative.is_(True), LedgerAccount.balance >= -delta)
            )
        res = await self.s.execute(stmt)
        if res.rowcount != 1:  # type: ignore[attr-defined]
            raise InsufficientFunds(acc.code, -delta)

    async def _by_key(self, key: str) -> LedgerTransfer | None:
        return await self.s.scalar(select(LedgerTransfer).where(LedgerTransfer.key == key))

    async def _same(
        self,
        t: LedgerTransfer,
        key: str,
        source: Acct,
        dest: Acct,
        amount: int,
        kind: str,
        ref: str,
    ) -> LedgerTransfer:
        src_id = await self._account_id(source)
        dst_id = await self._account_id(dest)
        if (t.source_id, t.dest_id, t.amount, t.currency, t.kind, t.ref) != (
            src_id,
            dst_id,
            amount,
            source.currency,
            kind,
            ref,
        ):
            raise IdempotencyConflict(key)
        return t

    # -- reading ----------------------------------------------------------------------------

    async def balance(self, acct: Acct) -> int:
        value = await self.s.scalar(
            select(LedgerAccount.balance).where(LedgerAccount.code == acct.code)
        )
        return int(value or 0)

    async def wallet_balances(self, user_id: int) -> dict[str, int]:
        rows = await self.s.execute(
            select(LedgerAccount.currency, LedgerAccount.balance).where(
                LedgerAccount.kind == "wallet", LedgerAccount.user_id == user_id
            )
        )
        return {cur: int(bal) for cur, bal in rows.all()}

    async def held_for(self, user_id: int, ref_prefix: str = "withdrawal:") -> dict[str, int]:
        """What the user has waiting to be paid out (their requests still pending)."""
        rows = await self.s.execute(
            select(Withdrawal.currency, func.sum(Withdrawal.amount))
            .where(Withdrawal.user_id == user_id, Withdrawal.state == "requested")
            .group_by(Withdrawal.currency)
        )
        return {cur: int(total or 0) for cur, total in rows.all()}

    async def entries(self, user_id: int, limit: int = 10) -> list[Entry]:
        ids = list(
            await self.s.scalars(
                select(LedgerAccount.id).where(
                    LedgerAccount.kind == "wallet", LedgerAccount.user_id == user_id
                )
            )
        )
        if not ids:
            return []
        rows = await self.s.scalars(
            select(LedgerTransfer)
            .where(or_(LedgerTransfer.source_id.in_(ids), LedgerTransfer.dest_id.in_(ids)))
            .order_by(LedgerTransfer.id.desc())
            .limit(limit)
        )
        out: list[Entry] = []
        for t in rows:
            sign = 1 if t.dest_id in ids else -1
            out.append(
                Entry(t.id, t.created_at, t.currency, sign * t.amount, t.kind, t.ref, t.memo)
            )
        return out

    async def moved(self, ref: str, into: Acct) -> int:
        """Net amount moved into `into` by transfers tagged `ref` (in minus out)."""
        acc_id = await self._account_id(into)
        if acc_id is None:
            return 0
        inflow = await self.s.scalar(
            select(func.coalesce(func.sum(LedgerTransfer.amount), 0)).where(
                LedgerTransfer.ref == ref, LedgerTransfer.dest_id == acc_id
            )
        )
        outflow = await self.s.scalar(
            select(func.coalesce(func.sum(LedgerTransfer.amount), 0)).where(
                LedgerTransfer.ref == ref, LedgerTransfer.source_id == acc_id
            )
        )
        return int(inflow or 0) - int(outflow or 0)

    async def transfers(self, ref: str) -> list[LedgerTransfer]:
        rows = await self.s.scalars(
            select(LedgerTransfer).where(LedgerTransfer.ref == ref).order_by(LedgerTransfer.id)
        )
        return list(rows)

    async def check_invariants(self) -> list[str]:
        """Problems found (empty when all is well): zero sums, no negative wallet, caches."""
        problems: list[str] = []
        sums = await self.s.execute(
            select(LedgerAccount.currency, func.sum(LedgerAccount.balance)).group_by(
                LedgerAccount.currency
            )
        )
        for cur, total in sums.all():
            if int(total or 0) != 0:
                problems.append(f"{cur} sums to {total}, not 0")
        negative = await self.s.scalars(
            select(LedgerAccount.code).where(
                LedgerAccount.allow_negative.is_(False), LedgerAccount.balance < 0
            )
        )
        problems += [f"{code} is negative" for code in negative]
        inflow = (
            select(LedgerTransfer.dest_id.label("acc"), LedgerTransfer.amount.label("amt"))
            .union_all(
                select(LedgerTransfer.source_id.label("acc"), (-LedgerTransfer.amount).label("amt"))
            )
            .subquery()
        )
        recomputed = (
            select(inflow.c.acc, func.sum(inflow.c.amt).label("total"))
            .group_by(inflow.c.acc)
            .subquery()
        )
        mismatched = await self.s.execute(
            select(LedgerAccount.code, LedgerAccount.balance, recomputed.c.total)
            .outerjoin(recomputed, recomputed.c.acc == LedgerAccount.id)
            .where(
                or_(
                    and_(recomputed.c.total.is_(None), LedgerAccount.balance != 0),
                    LedgerAccount.balance != func.coalesce(recomputed.c.total, 0),
                )
            )
        )
        for code, cached, total in mismatched.all():
            problems.append(f"{code}: cached {cached} but transfers add up to {total or 0}")
        txn_currency = await self.s.scalars(
            select(LedgerTransfer.id)
            .join(LedgerAccount, LedgerAccount.id == LedgerTransfer.source_id)
            .where(LedgerAccount.currency != LedgerTransfer.currency)
            .limit(5)
        )
        problems += [f"transfer {tid} crosses currencies" for tid in txn_currency]
        return problems
