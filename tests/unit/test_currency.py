"""Money text both ways (core.currency, on Babel): Indian grouping, minus signs, each
currency's own decimals and symbol; amounts typed with ₹, commas, lakh or crore."""

from __future__ import annotations

import pytest

from core.currency import money, parse_money
from core.dialogs.fields import Invalid, Price, parse_price
from core.dialogs.wallet import _decimal, parse_rupees
from core.text import amount_text, signed


@pytest.mark.parametrize(
    ("minor", "currency", "text"),
    [
        (10_000_000, "INR", "₹1,00,000"),  # en-IN groups by lakh, not ₹100,000
        (1_234_567_89, "INR", "₹12,34,567.89"),
        (-150, "INR", "-₹1.50"),  # was "₹-2.50": wrong sign place and wrong value
        (-10_000_000, "INR", "-₹1,00,000"),
        (15_000, "INR", "₹150"),
        (15_050, "INR", "₹150.50"),
        (500, "JPY", "JP¥500"),  # yen have no minor unit: 500 is ¥500, not ¥5
        (100_000, "USD", "$1,000"),  # no ₹ on a currency that isn't INR
        (123_456, "EUR", "€1,234.56"),
    ],
)
def test_money_text(minor: int, currency: str, text: str) -> None:
    assert money(minor, currency) == text


def test_money_follows_the_locale() -> None:
    assert money(123_456_78, "EUR", "de_DE") == "123.456,78\xa0€"
    assert money(10_000_000, "INR", "en_US") == "₹100,000"


def test_the_helpers_built_on_it() -> None:
    assert amount_text(10_000_000, "INR") == "₹1,00,000"
    assert amount_text(-3, "CREDIT") == "-3 credits"
    assert signed(-150, "INR") == "−₹1.50"
    assert _decimal(-150, "INR") == "-1.50" and _decimal(500, "JPY") == "500"


@pytest.mark.parametrize(
    ("text", "minor"),
    [
        ("₹1,00,000", 10_000_000),
        ("100000", 10_000_000),
        ("1 lakh", 10_000_000),
        ("1.5 lakh", 15_000_000),
        ("2 crore", 2_000_000_000),
        ("Rs 750.50", 75_050),
        ("500 rupees", 50_000),
        ("₹1,000/-", 100_000),
        ("2.5k", 250_000),
    ],
)
def test_amounts_people_type(text: str, minor: int) -> None:
    assert parse_money(text) == minor


@pytest.mark.parametrize("text", ["", "abc", "₹", "1.234", "1e5", "٣", "5 lakh crore", "-5"])
def test_what_is_not_an_amount(text: str) -> None:
    assert parse_money(text) is None


def test_each_currency_keeps_its_decimals_when_read() -> None:
    assert parse_money("1,000", "JPY") == 1000
    assert parse_money("1.5", "JPY") is None


def test_dialog_parsers_read_lakhs_and_grouping() -> None:
    assert parse_rupees("₹1,00,000") == 10_000_000
    assert parse_rupees("1 lakh") == 10_000_000
    assert parse_price("₹1,000") == Price("paid", 100_000)
    assert isinstance(parse_price("1 crore"), Invalid)  # past the most a session can cost
    assert Price("paid", 10_000_000).label() == "₹1,00,000 per session"
