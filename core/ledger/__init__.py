"""The double-entry ledger (DESIGN §5)."""

from core.ledger.ledger import (
    CURRENCIES,
    Acct,
    Entry,
    IdempotencyConflict,
    InsufficientFunds,
    Ledger,
    LedgerError,
    platform,
    wallet,
)

__all__ = [
    "CURRENCIES",
    "Acct",
    "Entry",
    "IdempotencyConflict",
    "InsufficientFunds",
    "Ledger",
    "LedgerError",
    "platform",
    "wallet",
]
