"""NIK helpers for the linkage: parse the 16-digit national ID into its parts.

Structure `PP KK CC DDMMYY SSSS`: digits 1–6 the region where the NIK was first registered
(province, kab/kota, kecamatan), 7–12 the birth date with DD + 40 for women, 13–16 a serial.
There is no checksum. NIKs are text, never numbers.

Each helper has a Python form (tests, small inputs) and a SQL form (DuckDB, whole tables);
the tests check they agree.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

NIK_LENGTH = 16
# Regsosek placeholders meaning "no NIK" (under 17, 17+ without NIK, refused, foreigner).
PLACEHOLDER_NIKS = frozenset(
    {"9999999999999994", "9999999999999995", "9999999999999996", "9999999999999999"}
)
_SEPARATORS = re.compile(r"[\s.\-/']")
_DIGITS16 = re.compile(r"^\d{16}$")


@dataclass(frozen=True)
class NikParts:
    region: str  # digits 1–6: province, kab/kota, kecamatan
    birth_date: date | None  # None when digits 7–12 are not a calendar date
    sex: str  # "M" or "F" (F when the day is above 40)
    serial: str  # digits 13–16


def nik_clean(value: object) -> str | None:
    """The NIK as 16 digits, or None for blanks, placeholders and malformed values."""
    if value is None:
        return None
    text = _SEPARATORS.sub("", str(value))
    if not _DIGITS16.match(text) or text in PLACEHOLDER_NIKS:
        return None
    return text


def nik_parse(nik: str, *, reference_year: int) -> NikParts | None:
    """Split a clean NIK; YY resolves to the latest century not after `reference_year`."""
    clean = nik_clean(nik)
    if clean is None:
        return None
    day, month, year2 = int(clean[6:8]), int(clean[8:10]), int(clean[10:12])
    sex = "F" if day > 40 else "M"
    if day > 40:
        day -= 40
    year = 2000 + year2 if 2000 + year2 <= reference_year else 1900 + year2
    try:
        born: date | None = date(year, month, day)
    except ValueError:
        born = None
    return NikParts(region=clean[:6], birth_date=born, sex=sex, serial=clean[12:])


# --- SQL forms (DuckDB) ------------------------------------------------------------------


def nik_clean_sql(column: str) -> str:
    """SQL expression: the column as a clean NIK or NULL (same rules as `nik_clean`)."""
    placeholders = ", ".join(f"'{p}'" for p in sorted(PLACEHOLDER_NIKS))
    stripped = f"regexp_replace(CAST({column} AS VARCHAR), '[\\s.\\-/'']', '', 'g')"
    return (
        f"(CASE WHEN regexp_full_match({stripped}, '[0-9]{{16}}') "
        f"AND {stripped} NOT IN ({placeholders}) THEN {stripped} END)"
    )


def nik_birth_date_sql(column: str, *, reference_year: int) -> str:
    """SQL expression: the birth date encoded in a clean NIK column (NULL if impossible)."""
    day = f"(CAST(substr({column}, 7, 2) AS INTEGER) % 40)"
    month = f"CAST(substr({column}, 9, 2) AS INTEGER)"
    year2 = f"CAST(substr({column}, 11, 2) AS INTEGER)"
    year = f"(CASE WHEN 2000 + {year2} <= {reference_year} THEN 2000 ELSE 1900 END + {year2})"
    return (
        f"(CASE WHEN {column} IS NOT NULL THEN "
        f"try_strptime(printf('%04d-%02d-%02d', {year}, {month}, {day}), '%Y-%m-%d')::DATE END)"
    )


def nik_sex_sql(column: str) -> str:
    """SQL expression: 'F' when the NIK day is above 40, 'M' otherwise, NULL without NIK."""
    return (
        f"(CASE WHEN {column} IS NULL THEN NULL "
        f"WHEN CAST(substr({column}, 7, 2) AS INTEGER) > 40 THEN 'F' ELSE 'M' END)"
    )
