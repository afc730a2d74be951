"""Reading untrusted XLSX uploads: sizes checked before unpacking, each row's cells as written
and as last computed, and numbers typed the plain, Indonesian (1.234,5) or English (1,234.5)
way. Shared by every Excel round-trip (planning matrix, monitoring quarter)."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl
from django.utils.translation import gettext as _

MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # a small upload must not unpack into gigabytes
VALUE_IN_MESSAGE = 60  # characters of a cell value quoted back in a message


class FileError(Exception):
    """The upload as a whole cannot be read (its message is for the user)."""


class CellError(Exception):
    """One cell cannot be read (its message is for the user)."""


def quote(value: Any) -> str:
    text = str(value)
    return text if len(text) <= VALUE_IN_MESSAGE else text[: VALUE_IN_MESSAGE - 1] + "…"


def strip_apostrophe(text: str) -> str:
    """A leading apostrophe marks text in spreadsheets (and our exports); it is not content."""
    text = text.strip()
    return text[1:] if text.startswith("'") else text


def number_text(value: float | int | Decimal) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return strip_apostrophe(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return number_text(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


_DIGITS = re.compile(r"[+-]?\d+(\.\d+)?")


def _grouped(text: str, separator: str) -> bool:
    """'1.234.567' with separator '.': thousands groups of three digits."""
    return re.fullmatch(r"[+-]?\d{1,3}(" + re.escape(separator) + r"\d{3})+", text) is not None


def parse_decimal_text(raw: str) -> Decimal | None:
    """Numbers typed as text: plain (1234.5), Indonesian (1.234,5), or English (1,234.5)."""
    text = strip_apostrophe(raw)
    text = re.sub(r"^rp\.?", "", text, flags=re.IGNORECASE)
    text = re.sub(r"[\s\u00a0\u202f]", "", text)
    if not text:
        return None
    bad = CellError(_("'%(value)s' is not a number") % {"value": quote(raw.strip())})
    if "," in text and "." in text:
        decimal_mark = "," if text.rfind(",") > text.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        whole, _mark, fraction = text.rpartition(decimal_mark)
        if not fraction.isdigit() or not (_grouped(whole, thousands) or whole.isdigit()):
            raise bad
        text = whole.replace(thousands, "") + "." + fraction
    elif text.count(",") > 1 or text.count(".") > 1:
        separator = "," if "," in text else "."
        if not _grouped(text, separator):
            raise bad
        text = text.replace(separator, "")
    elif "," in text:
        text = text.replace(",", ".")  # one comma: the Indonesian decimal mark
    elif "." in text:
        whole, fraction = text.split(".")
        if re.fullmatch(r"[+-]?[1-9]\d{0,2}", whole) and re.fullmatch(r"\d{3}", fraction):
            raise CellError(
                _(
                    "'%(value)s' is ambiguous: write %(plain)s if the point separates "
                    "thousands, or %(decimal)s if it is a decimal point"
                )
                % {
                    "value": quote(raw.strip()),
                    "plain": whole + fraction,
                    "decimal": whole + "," + fraction,
                }
            )
    if not _DIGITS.fullmatch(text):
        raise bad
    try:
        return Decimal(text)
    except InvalidOperation as exc:
        raise bad from exc


def decimal_cell(value: Any, formula: bool, places: int) -> Decimal | None:
    if formula and value is None:
        raise CellError(_("a formula without a computed value; type the number instead"))
    if value is None:
        return None
    if isinstance(value, bool | datetime | date | time):
        raise CellError(_("'%(value)s' is not a number") % {"value": quote(as_text(value))})
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        exact = Decimal(repr(value))
        rounded = exact.quantize(Decimal(1).scaleb(-places))
        # Spreadsheet arithmetic leaves binary noise (0.30000000000000004): drop only that.
        if abs(exact - rounded) <= abs(exact) * Decimal("1e-12"):
            return rounded
        return exact
    if isinstance(value, Decimal):
        return value
    return parse_decimal_text(str(value))


def check_size(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise FileError(_("The file is not an Excel workbook (.xlsx).")) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise FileError(_("The workbook is too large once unpacked."))


def sheet_rows(data: bytes, *, preferred: str) -> Iterator[tuple[int, list[Any], list[Any]]]:
    """(row number, cells as written — formulas as text —, cells as last computed) of the sheet
    named `preferred`, otherwise of the first one (a converted CSV has one sheet)."""
    check_size(data)
    try:
        written = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        computed = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure to read an untrusted file gets the same answer
        raise FileError(_("The file is not an Excel workbook (.xlsx).")) from exc
    try:
        names = sorted(
            written.sheetnames, key=lambda name: name.strip().lower() != preferred.lower()
        )
        names = [n for n in names if hasattr(written[n], "iter_rows")]  # not chart sheets
        if not names:
            raise FileError(_("The workbook has no sheet."))
        sheets = (written[names[0]], computed[names[0]])
        for sheet in sheets:
            sheet.reset_dimensions()  # some writers store a wrong size; read what is there
        pairs = zip(
            sheets[0].iter_rows(values_only=True),
            sheets[1].iter_rows(values_only=True),
            strict=False,
        )
        # Rows missing from the file come as empty tuples, so counting gives the row number.
        yield from ((n, list(a), list(b)) for n, (a, b) in enumerate(pairs, start=1))
    finally:
        written.close()
        computed.close()
