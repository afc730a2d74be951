"""Validation rules for NIK and KK numbers (domain notes §5.6), as pure functions.

A NIK is ``PP KK CC DDMMYY SSSS``: province, kab/kota (01–69 kabupaten, 71–99 kota), kecamatan
where it was first registered, birth date with 40 added to the day for women, and a serial from
0001. There is no checksum. Regsosek placeholders (``99999999999999[4569]``) mean "no NIK" and
are flagged, not rejected. An area prefix that is not a known code only warns: prefixes of old
registrations do not always match today's codes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

NIK_RE = re.compile(r"^\d{16}$")
# Fourteen nines, then 4, 5, 6 or 9, then one more digit (Regsosek codes for "no NIK").
PLACEHOLDER_RE = re.compile(r"^99999999999999[4569]\d$")
# Province codes of the Kemendagri list (Papua's 2022 splits included).
PROVINCES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
        "21",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "51",
        "52",
        "53",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "72",
        "73",
        "74",
        "75",
        "76",
        "81",
        "82",
        "91",
        "92",
        "93",
        "94",
        "95",
        "96",
        "97",
    }
)


@dataclass(frozen=True)
class NikCheck:
    value: str
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    is_placeholder: bool = False
    birth_date: date | None = None
    sex: str | None = None  # "L" or "P"

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def error_codes(self) -> list[str]:
        """The rule code of each error (the codes of ``validate.RULES``), for translated text."""
        return [_code(e) for e in self.errors]


# English message → rule code (messages stay English here: this module has no Django).
_CODES = (
    ("KK must be", "kk_format"),
    ("NIK must be", "nik_format"),
    ("province code", "nik_province"),
    ("kab/kota code", "nik_regency"),
    ("serial 0000", "nik_serial"),
    ("NIK's birth date differs", "nik_birth_mismatch"),
    ("NIK's sex", "nik_sex_mismatch"),
)


def _code(message: str) -> str:
    return next((code for prefix, code in _CODES if prefix in message), "nik_date")


def _century(two_digits: int, today: date) -> int:
    """YY → a full year not in the future."""
    year = 2000 + two_digits
    return year if year <= today.year else 1900 + two_digits


def nik_check(  # noqa: PLR0912 (one branch per rule of the NIK structure)
    value: str,
    *,
    today: date,
    known_areas: frozenset[str] | None = None,
    birth_date: date | None = None,
    sex: str | None = None,
) -> NikCheck:
    """Check a NIK's structure and, when given, its consistency with the record's birth date
    and sex. ``known_areas`` holds 6-digit kecamatan prefixes (e.g. "317304")."""
    text = (value or "").strip()
    if PLACEHOLDER_RE.match(text):
        return NikCheck(text, warnings=["placeholder NIK (no NIK known)"], is_placeholder=True)
    errors: list[str] = []
    warnings: list[str] = []
    if not NIK_RE.match(text):
        return NikCheck(text, errors=["NIK must be exactly 16 digits"])
    province, regency = text[0:2], int(text[2:4])
    day, month, yy, serial = int(text[6:8]), int(text[8:10]), int(text[10:12]), text[12:16]
    if province not in PROVINCES:
        errors.append(f"province code {province} is not a known province")
    if not (1 <= regency <= 69 or 71 <= regency <= 99):
        errors.append(f"kab/kota code {text[2:4]} is outside 01–69 and 71–99")
    female = day > 40
    real_day = day - 40 if female else day
    if not (1 <= day <= 31 or 41 <= day <= 71):
        errors.append(f"day {text[6:8]} is neither 01–31 nor 41–71")
    if not 1 <= month <= 12:
        errors.append(f"month {text[8:10]} is not 01–12")
    born: date | None = None
    if not errors:
        try:
            born = date(_century(yy, today), month, real_day)
        except ValueError:
            errors.append(f"{text[6:12]} is not a calendar date")
        else:
            if born > today:
                errors.append("the birth date in the NIK is in the future")
    if serial == "0000":
        errors.append("serial 0000 is not issued")
    if known_areas is not None and not errors and text[0:6] not in known_areas:
        warnings.append(f"area {text[0:6]} is not a known kecamatan code")
    nik_sex = "P" if female else "L"
    if born is not None:
        errors += _consistency_errors(born=born, nik_sex=nik_sex, birth_date=birth_date, sex=sex)
    return NikCheck(
        text, errors=errors, warnings=warnings, birth_date=born, sex=nik_sex if born else None
    )


def _consistency_errors(
    *, born: date, nik_sex: str, birth_date: date | None, sex: str | None
) -> list[str]:
    """The NIK against the record: same day, month and two-digit year; same sex."""
    errors = []
    if birth_date is not None and (born.day, born.month, born.year % 100) != (
        birth_date.day,
        birth_date.month,
        birth_date.year % 100,
    ):
        errors.append("the NIK's birth date differs from the record's birth date")
    if sex in ("L", "P") and sex != nik_sex:
        errors.append("the NIK's sex (day + 40 for women) differs from the record's sex")
    return errors


def kk_check(value: str, *, known_areas: frozenset[str] | None = None) -> NikCheck:
    """A KK number: 16 digits with an issuing-area prefix (its other digits are not checked)."""
    text = (value or "").strip()
    if not NIK_RE.match(text):
        return NikCheck(text, errors=["KK must be exactly 16 digits"])
    if text[0:2] not in PROVINCES:
        return NikCheck(text, errors=[f"KK must be in a known province, not {text[0:2]}"])
    if known_areas is not None and text[0:6] not in known_areas:
        return NikCheck(text, warnings=[f"area {text[0:6]} is not a known kecamatan code"])
    return NikCheck(text)


def nik_build(*, area: str, born: date, female: bool, serial: int) -> str:
    """The NIK a person with these facts gets (used by the synthetic data and the tests)."""
    if len(area) != 6 or not area.isdigit() or not 1 <= serial <= 9999:
        raise ValueError("area must be 6 digits and serial 1–9999")
    day = born.day + (40 if female else 0)
    return f"{area}{day:02d}{born.month:02d}{born.year % 100:02d}{serial:04d}"
