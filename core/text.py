"""Money as people read it, shared by every message that shows an amount."""

from __future__ import annotations


def money(minor: int, currency: str = "INR") -> str:
    symbol = "₹" if currency == "INR" else f"{currency} "
    whole, paise = divmod(minor, 100)
    return f"{symbol}{whole:,}" + (f".{paise:02d}" if paise else "")


def amount_text(amount: int, currency: str) -> str:
    if currency == "CREDIT":
        return f"{amount} credit{'s' if abs(amount) != 1 else ''}"
    return money(amount, currency)


def signed(amount: int, currency: str) -> str:
    return ("+" if amount > 0 else "−") + amount_text(abs(amount), currency)
