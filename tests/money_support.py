"""Helpers for money tests: users, funded wallets, invariant checks."""

from __future__ import annotations

from datetime import UTC, datetime

from core.db.engine import Database
from core.db.schema import User
from core.ledger import Ledger, platform, wallet

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


async def add_user(db: Database, name: str, *, admin: bool = False) -> int:
    async with db.transaction() as s:
        u = User(display_name=name, created_at=NOW, is_admin=admin)
        s.add(u)
        await s.flush()
        return u.id


async def fund(db: Database, user_id: int, amount: int, key: str, currency: str = "INR") -> None:
    """Money that arrived from outside straight into a wallet (as an earning would)."""
    async with db.transaction() as s:
        await Ledger(s, NOW).transfer(
            key=key,
            source=platform("gateway_clearing", currency),
            dest=wallet(user_id, currency),
            amount=amount,
            kind="test_funding",
        )


async def invariants(db: Database) -> list[str]:
    async with db.transaction() as s:
        return await Ledger(s, NOW).check_invariants()
