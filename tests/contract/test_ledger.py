"""The ledger's contract on every store: idempotent transfers, no negative wallet, races."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from core.db.engine import Database
from core.ledger import (
    IdempotencyConflict,
    InsufficientFunds,
    Ledger,
    LedgerError,
    platform,
    wallet,
)
from core.ledger.tables import LedgerTransfer, Withdrawal
from core.policies import Policies
from core.services.money import Money
from tests.money_support import NOW, add_user, fund, invariants


async def test_transfer_is_once_per_key(store: Database) -> None:
    uid = await add_user(store, "Asha")
    await fund(store, uid, 500, "f1")
    await fund(store, uid, 500, "f1")  # same key, same body: the same transfer
    async with store.transaction() as s:
        ledger = Ledger(s, NOW)
        assert await ledger.wallet_balances(uid) == {"INR": 500}
        assert await ledger.balance(platform("gateway_clearing", "INR")) == -500
        with pytest.raises(IdempotencyConflict):
            await ledger.transfer(
                key="f1",
                source=platform("gateway_clearing", "INR"),
                dest=wallet(uid, "INR"),
                amount=501,
                kind="test_funding",
            )
    assert await invariants(store) == []


async def test_a_wallet_cannot_pay_more_than_it_holds(store: Database) -> None:
    a = await add_user(store, "A")
    b = await add_user(store, "B")
    await fund(store, a, 300, "f")
    async with store.transaction() as s:
        ledger = Ledger(s, NOW)
        with pytest.raises(InsufficientFunds):
            await ledger.transfer(
                key="too-much", source=wallet(a, "INR"), dest=wallet(b, "INR"), amount=301, kind="x"
            )
        # Nothing of the failed transfer is left, and the transaction can carry on.
        assert await s.scalar(select(func.count()).where(LedgerTransfer.key == "too-much")) == 0
        await ledger.transfer(
            key="ok", source=wallet(a, "INR"), dest=wallet(b, "INR"), amount=300, kind="x"
        )
        assert await ledger.wallet_balances(a) == {"INR": 0}
        assert [e.amount for e in await ledger.entries(a, 10)] == [-300, 300]
    assert await invariants(store) == []


async def test_currencies_never_mix(store: Database) -> None:
    a = await add_user(store, "A")
    async with store.transaction() as s:
        with pytest.raises(LedgerError):
            await Ledger(s, NOW).transfer(
                key="mix",
                source=platform("credit_issuance", "CREDIT"),
                dest=wallet(a, "INR"),
                amount=1,
                kind="x",
            )


async def test_a_crash_midway_leaves_nothing(store: Database) -> None:
    a = await add_user(store, "A")
    await fund(store, a, 1000, "f")

    class Crash(Exception):
        pass

    with pytest.raises(Crash):
        async with store.transaction() as s:
            await Money(s, NOW, Policies(min_withdrawal_minor=100), []).request_withdrawal(
                a, 600, "a@upi"
            )
            raise Crash
    async with store.transaction() as s:
        assert await Ledger(s, NOW).wallet_balances(a) == {"INR": 1000}
        assert await s.scalar(select(func.count()).select_from(Withdrawal)) == 0
    assert await invariants(store) == []


async def test_100_concurrent_withdrawals_of_100_from_500_exactly_5_succeed(
    store: Database,
) -> None:
    mentor = await add_user(store, "Mentor")
    await fund(store, mentor, 50000, "earned")  # ₹500
    policies = Policies(min_withdrawal_minor=10000)

    async def withdraw() -> bool:
        try:
            async with store.transaction() as s:
                await Money(s, NOW, policies, []).request_withdrawal(mentor, 10000, "m@upi")
            return True
        except InsufficientFunds:
            return False

    results = await asyncio.gather(*(withdraw() for _ in range(100)))
    assert results.count(True) == 5
    async with store.transaction() as s:
        ledger = Ledger(s, NOW)
        assert await ledger.wallet_balances(mentor) == {"INR": 0}
        assert await ledger.balance(platform("payouts_pending", "INR")) == 50000
        assert await s.scalar(select(func.count()).select_from(Withdrawal)) == 5
    assert await invariants(store) == []


async def test_concurrent_spends_of_one_credit_only_one_wins(store: Database) -> None:
    learner = await add_user(store, "Learner")
    async with store.transaction() as s:
        await Money(s, NOW, Policies(starter_credits=1), []).grant_starter_credits(learner)

    async def hold(booking: int) -> bool:
        try:
            async with store.transaction() as s:
                await Money(s, NOW, Policies(), []).hold_credits(booking, learner)
            return True
        except InsufficientFunds:
            return False

    results = await asyncio.gather(*(hold(b) for b in range(1, 21)))
    assert results.count(True) == 1
    assert await invariants(store) == []


async def test_same_key_racing_makes_one_transfer(store: Database) -> None:
    a = await add_user(store, "A")

    async def grant() -> None:
        async with store.transaction() as s:
            await Money(s, NOW, Policies(), []).grant_starter_credits(a)

    await asyncio.gather(*(grant() for _ in range(10)))
    async with store.transaction() as s:
        assert await Ledger(s, NOW).wallet_balances(a) == {"CREDIT": 2}
    assert await invariants(store) == []


async def test_release_and_refund_racing_pay_out_the_escrow_once(store: Database) -> None:
    learner = await add_user(store, "Learner")
    mentor = await add_user(store, "Mentor")
    async with store.transaction() as s:
        m = Money(s, NOW, Policies(), [])
        await m.grant_starter_credits(learner)
        await m.hold_credits(9, learner)

    async def release() -> dict[str, int]:
        async with store.transaction() as s:
            return await Money(s, NOW, Policies(), []).release_to_mentor(9, mentor, 3000)

    async def refund() -> dict[str, int]:
        async with store.transaction() as s:
            return await Money(s, NOW, Policies(), []).refund_booking(9)

    results = await asyncio.gather(*(release() if i % 2 else refund() for i in range(10)))
    assert [r for r in results if r] in ([{"CREDIT": 1}],)
    async with store.transaction() as s:
        ledger = Ledger(s, NOW)
        got = (await ledger.wallet_balances(learner))["CREDIT"]
        got += (await ledger.wallet_balances(mentor)).get("CREDIT", 0)
        assert got == 2
        assert await Money(s, NOW, Policies(), []).escrowed(9) == {}
    assert await invariants(store) == []


async def test_transfers_and_accounts_cannot_be_edited_or_deleted(store: Database) -> None:
    from core.ledger.tables import ImmutableRow, LedgerAccount

    a = await add_user(store, "A")
    await fund(store, a, 100, "f")
    with pytest.raises(ImmutableRow):
        async with store.transaction() as s:
            t = await s.scalar(select(LedgerTransfer).where(LedgerTransfer.key == "f"))
            assert t is not None
            t.amount = 1000
    with pytest.raises(ImmutableRow):
        async with store.transaction() as s:
            acc = await s.scalar(select(LedgerAccount).where(LedgerAccount.user_id == a))
            assert acc is not None
            await s.delete(acc)
    assert await invariants(store) == []
