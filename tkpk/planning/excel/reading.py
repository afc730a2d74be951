"""Reading an upload: the workbook's rows, each cell parsed (numbers typed the plain,
Indonesian or English way), problems collected per row and column, nothing written."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.utils.translation import gettext as _

from tkpk.core.xlsx import (
    CellError,
    FileError,
    as_text,
    check_size,
    decimal_cell,
    number_text,
    parse_decimal_text,
    quote,
    sheet_rows,
    strip_apostrophe,
)
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


# Shared with the other Excel round-trips (tkpk.core.xlsx); the private names stay for this package.
_FileError = FileError
_CellError = CellError
_quote = quote
_strip_apostrophe = strip_apostrophe
_number_text = number_text
_as_text = as_text
_parse_decimal_text = parse_decimal_text
_decimal = decimal_cell
_check_size = check_size


def _sheet_rows(data: bytes) -> Iterator[tuple[int, list[Any], list[Any]]]:
    return sheet_rows(data, preferred="Matriks")


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
