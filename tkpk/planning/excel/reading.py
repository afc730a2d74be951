"""Reading an upload: the workbook's rows, each cell parsed (numbers typed the plain,
Indonesian or English way), problems collected per row and column, nothing written."""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl
from django.utils.translation import gettext as _

from tkpk.planning.excel.layout import (
    COLUMNS,
    DIRECTIONS,
    HEADER_KEYS,
    HEADERS,
    LEVELS,
    Column,
    _header_key,
)
from tkpk.planning.models import MatrixRow

MAX_ROWS = 5000  # rows with content; an OPD proposes tens, not thousands
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # a small upload must not unpack into gigabytes
HEADER_SCAN_ROWS = 20
VALUE_IN_MESSAGE = 60  # characters of a cell value quoted back in a message


@dataclass(frozen=True)
class RowError:
    """One problem: the sheet's row number (None for the file as a whole) and its column."""

    row: int | None
    column: str
    message: str

    def __str__(self) -> str:
        if self.row is None:
            return self.message
        if self.column:
            return _("Row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


class _FileError(Exception):
    pass


class _CellError(Exception):
    pass


@dataclass
class _Item:
    """One non-empty row of the upload, parsed."""

    line: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)  # fields whose cell could not be read
    existing: MatrixRow | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    def error(self, field_name: str, message: str) -> None:
        self.failed.add(field_name)
        self.errors.append(RowError(self.line, HEADERS.get(field_name, ""), message))

    @property
    def code(self) -> str:
        return str(self.values.get("code") or "")


def _quote(value: Any) -> str:
    text = str(value)
    return text if len(text) <= VALUE_IN_MESSAGE else text[: VALUE_IN_MESSAGE - 1] + "…"


def _strip_apostrophe(text: str) -> str:
    """A leading apostrophe marks text in spreadsheets (and our exports); it is not content."""
    text = text.strip()
    return text[1:] if text.startswith("'") else text


def _number_text(value: float | int | Decimal) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return _strip_apostrophe(value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float | Decimal):
        return _number_text(value)
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    return str(value).strip()


_DIGITS = re.compile(r"[+-]?\d+(\.\d+)?")


def _grouped(text: str, separator: str) -> bool:
    """'1.234.567' with separator '.': thousands groups of three digits."""
    return re.fullmatch(r"[+-]?\d{1,3}(" + re.escape(separator) + r"\d{3})+", text) is not None


def _parse_decimal_text(raw: str) -> Decimal | None:
    """Numbers typed as text: plain (1234.5), Indonesian (1.234,5), or English (1,234.5)."""
    text = _strip_apostrophe(raw)
    text = re.sub(r"^rp\.?", "", text, flags=re.IGNORECASE)
    text = re.sub(r"[\s\u00a0\u202f]", "", text)
    if not text:
        return None
    bad = _CellError(_("'%(value)s' is not a number") % {"value": _quote(raw.strip())})
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
            raise _CellError(
                _(
                    "'%(value)s' is ambiguous: write %(plain)s if the point separates "
                    "thousands, or %(decimal)s if it is a decimal point"
                )
                % {
                    "value": _quote(raw.strip()),
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


def _decimal(value: Any, formula: bool, places: int) -> Decimal | None:
    if formula and value is None:
        raise _CellError(_("a formula without a computed value; type the number instead"))
    if value is None:
        return None
    if isinstance(value, bool | datetime | date | time):
        raise _CellError(_("'%(value)s' is not a number") % {"value": _quote(_as_text(value))})
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
    return _parse_decimal_text(str(value))


def _code(value: Any, formula: bool) -> str:
    if formula and value is None:
        raise _CellError(_("a formula without a computed value; type the code instead"))
    if (isinstance(value, float) and not value.is_integer()) or isinstance(
        value, datetime | date | time
    ):
        raise _CellError(
            _(
                "%(value)s was read as a number or a date; format the cell as text and type "
                "the code again"
            )
            % {"value": _as_text(value)}
        )
    return _as_text(value)


def _version(value: Any) -> int | None:
    text = _as_text(value)
    if not text:
        return None
    if not text.isdigit():
        raise _CellError(
            _("'%(value)s' is not a version number; download a new template")
            % {"value": _quote(text)}
        )
    return int(text)


def _level(value: Any) -> str:
    text = _as_text(value)
    key = re.sub(r"[\s_-]", "", text.lower())
    if not key:
        return ""
    if key not in LEVELS:
        raise _CellError(
            _("'%(value)s' is not one of program, kegiatan, subkegiatan") % {"value": _quote(text)}
        )
    return LEVELS[key]


def _direction(value: Any) -> str:
    text = _as_text(value)
    if not text:
        return ""
    if text.lower() not in DIRECTIONS:
        raise _CellError(_("'%(value)s' is not naik or turun") % {"value": _quote(text)})
    return DIRECTIONS[text.lower()]


def _location_codes(value: Any) -> list[str]:
    text = _as_text(value)
    codes = [_strip_apostrophe(c) for c in re.split(r"[,;\n]+", text)]
    return list(dict.fromkeys(c for c in codes if c))


def _parse_cell(item: _Item, column: Column, raw: Any, cached: Any) -> None:
    """Read one cell into ``item.values``: formulas in text columns stay text, never run."""
    # A formula reads as its text from the written workbook and as its last result (None if
    # never computed, as in files written by libraries) from the computed one.
    formula = isinstance(raw, str) and raw.startswith("=") and raw != cached
    value = cached if formula else raw
    places = 2 if column.field == "budget" else 4
    try:
        if column.kind == "text":
            item.values[column.field] = _as_text(raw)
        elif column.kind in {"code", "parent"}:
            item.values[column.field] = _code(value, formula)
        elif column.kind == "level":
            item.values[column.field] = _level(value)
        elif column.kind == "direction":
            item.values[column.field] = _direction(value)
        elif column.kind == "number":
            item.values[column.field] = _decimal(value, formula, places)
        elif column.kind == "locations":
            item.values[column.field] = _location_codes(value)
        else:
            item.values[column.field] = _version(value)
    except _CellError as exc:
        item.error(column.field, str(exc))


def _check_size(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise _FileError(_("The file is not an Excel workbook (.xlsx).")) from exc
    if unpacked > MAX_UNPACKED_BYTES:
        raise _FileError(_("The workbook is too large once unpacked."))


def _sheet_rows(data: bytes) -> Iterator[tuple[int, list[Any], list[Any]]]:
    """(row number, cells as written — formulas as text —, cells as last computed)."""
    _check_size(data)
    try:
        written = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
        computed = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # any failure to read an untrusted file gets the same answer
        raise _FileError(_("The file is not an Excel workbook (.xlsx).")) from exc
    try:
        # The sheet named Matriks, otherwise the first one (a converted CSV has one sheet).
        names = sorted(written.sheetnames, key=lambda name: name.strip().lower() != "matriks")
        names = [n for n in names if hasattr(written[n], "iter_rows")]  # not chart sheets
        if not names:
            raise _FileError(_("The workbook has no sheet."))
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


def _read(data: bytes) -> list[_Item]:
    rows = _sheet_rows(data)
    positions: dict[int, Column] | None = None
    for number, written, _computed in rows:
        keys: dict[str, int] = {}
        for index, value in enumerate(written):
            if _header_key(value):
                keys.setdefault(_header_key(value), index)
        if "kode" in keys and "nama" in keys:
            positions = {i: HEADER_KEYS[k] for k, i in keys.items() if k in HEADER_KEYS}
            break
        if number >= HEADER_SCAN_ROWS:
            break
    if positions is None:
        raise _FileError(
            _(
                "No header row with the columns Kode and Nama was found; use the downloaded "
                "template."
            )
        )
    missing = [c.header for c in COLUMNS if c not in positions.values()]
    if missing:
        raise _FileError(
            _("Columns missing from the header row: %(columns)s. Use the downloaded template.")
            % {"columns": ", ".join(missing)}
        )
    items: list[_Item] = []
    for number, written, computed in rows:
        cells = {
            column: (
                written[i] if i < len(written) else None,
                computed[i] if i < len(computed) else None,
            )
            for i, column in positions.items()
        }
        if all(
            _as_text(raw) == "" for column, (raw, _c) in cells.items() if column.kind != "version"
        ):
            continue  # blank rows, or a row emptied but for its hidden version
        if len(items) >= MAX_ROWS:
            raise _FileError(_("The sheet has more than %(max)s filled rows.") % {"max": MAX_ROWS})
        item = _Item(line=number)
        for column, (raw, cached) in cells.items():
            _parse_cell(item, column, raw, cached)
        items.append(item)
    return items
