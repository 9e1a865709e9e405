"""Money as people read it, shared by every message that shows an amount."""

from __future__ import annotations

from core.currency import money


def amount_text(amount: int, currency: str) -> str:
    if currency == "CREDIT":
        return f"{amount} credit{'s' if abs(amount) != 1 else ''}"
    return money(amount, currency)


def signed(amount: int, currency: str) -> str:
    return ("+" if amount > 0 else "−") + amount_text(abs(amount), currency)
