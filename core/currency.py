"""All money text, both ways, on Babel (DESIGN §5, §12).

`money` writes an amount held in minor units (DESIGN §5: paise for INR, yen for JPY) the way a
reader of the locale expects: en-IN groups by lakh (₹1,00,000), the minus sign comes before
the symbol (-₹2.50), each currency has its own decimals and symbol. Whole amounts drop the
zero decimals (₹150, not ₹150.00): prices in chat are whole rupees far more often than not.

`parse_money` reads what people type for an amount: "₹1,00,000", "100000", "Rs 750.50",
"1 lakh", "2.5k".
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from functools import lru_cache

from babel import Locale
from babel.numbers import (
    NumberFormatError,
    format_currency,
    get_currency_precision,
    get_currency_symbol,
    parse_decimal,
)

DEFAULT_LOCALE = "en_IN"

_WORDS = {
    "k": 1_000,
    "thousand": 1_000,
    "lakh": 100_000,
    "lakhs": 100_000,
    "lac": 100_000,
    "lacs": 100_000,
    "l": 100_000,
    "crore": 10_000_000,
    "crores": 10_000_000,
    "cr": 10_000_000,
    "million": 1_000_000,
}
_CURRENCY_WORDS = r"₹|rs\.?|inr|rupees?|/-"
_WORD_RE = "|".join(sorted(_WORDS, key=len, reverse=True))
_AMOUNT = re.compile(
    rf"(?:{_CURRENCY_WORDS})?\s*(?P<num>[0-9][0-9,]*(?:\.[0-9]+)?)\s*(?P<word>{_WORD_RE})?\s*"
    rf"(?:{_CURRENCY_WORDS})?",
    re.I,
)


def minor_digits(currency: str) -> int:
    return int(get_currency_precision(currency))


@lru_cache(maxsize=64)
def _whole_pattern(locale: str) -> str:
    # The locale's own currency pattern with its decimals removed, for whole amounts.
    pattern = Locale.parse(locale).currency_formats["standard"].pattern
    return re.sub(r"\.0+", "", pattern)


def money(minor: int, currency: str = "INR", locale: str = DEFAULT_LOCALE) -> str:
    """The one way money becomes text: `money(10_000_000)` is "₹1,00,000",
    `money(-250)` is "-₹2.50", `money(500, "JPY")` is "¥500" (yen have no minor unit)."""
    digits = minor_digits(currency)
    value = Decimal(minor).scaleb(-digits)
    if value == value.to_integral_value():
        return str(
            format_currency(
                value, currency, format=_whole_pattern(locale), locale=locale, currency_digits=False
            )
        )
    return str(format_currency(value, currency, locale=locale))


def symbol(currency: str, locale: str = DEFAULT_LOCALE) -> str:
    return str(get_currency_symbol(currency, locale=locale))


def parse_money(
    text: str, currency: str = "INR", locale: str = DEFAULT_LOCALE, *, limit_minor: int = 10**12
) -> int | None:
    """Minor units for what a person typed as an amount, or None if it isn't one (or has
    more decimals than the currency allows, or is past `limit_minor`)."""
    t = text.strip().casefold().replace(symbol(currency, locale).casefold(), "")
    m = _AMOUNT.fullmatch(t.strip())
    if m is None:
        return None
    multiplier = _WORDS[m["word"]] if m["word"] else 1
    try:
        value = Decimal(parse_decimal(m["num"], locale=locale)) * multiplier
    except (NumberFormatError, InvalidOperation):
        return None
    minor = value.scaleb(minor_digits(currency))
    if minor != minor.to_integral_value() or minor > limit_minor:
        return None
    return int(minor)
