"""Safe exports: values written to CSV/XLSX never start a formula in a spreadsheet."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

# A cell starting with one of these is treated as a formula (or DDE) by Excel, LibreOffice and
# Google Sheets; tab and carriage return can hide such a prefix.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def neutralise(value: Any) -> Any:
    """Prefix a text that a spreadsheet would evaluate with an apostrophe; numbers pass."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_safe_row(values: Iterable[Any]) -> list[Any]:
    return [neutralise(v) for v in values]
