"""Whole numbers typed or carried in buttons, read within what the database can hold.

`str.isdigit()` is true for "²" and for 40-digit strings; neither may reach int() or SQL."""

from __future__ import annotations

import re

# PostgreSQL's INTEGER, the narrowest id column: every id and count we read fits in it.
MAX_DB_INT = 2**31 - 1
_DIGITS = re.compile(r"[0-9]{1,10}")


def as_int(text: str, *, hi: int = MAX_DB_INT) -> int | None:
    """A non-negative whole number of ASCII digits, at most `hi`; None for anything else."""
    if not _DIGITS.fullmatch(text):
        return None
    n = int(text)
    return n if n <= hi else None
