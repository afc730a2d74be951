"""An OPD's quarterly report as an Excel workbook: download it pre-filled, fill it offline,
upload it back.

``report_template`` writes one report (one line per instrument row: codes and targets
read-only, realisation columns to fill, a hidden ID and Versi column). ``report_import`` reads
an upload, checks every line (unknown codes, rows of another report, non-numbers, negative
values, breakdowns above the total, a version changed since the download) and applies it only
when the whole file is valid, in one transaction, through ``report_value_save`` per row (so the
history, the audit and the locking apply): never partially.

Like the RAT matrix, the workbook is an exchange format: sheet names, headers and instructions
are fixed Indonesian text (a file downloaded in one interface language uploads in the other);
error messages are interface text. Cell parsing (numbers typed the plain, Indonesian or English
way; formulas never run) is shared with the matrix reader in ``tkpk.planning.excel.reading``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import openpyxl
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill, Protection

from tkpk.accounts.models import User
from tkpk.core.exports import neutralise
from tkpk.core.xlsx import CellError as _CellError
from tkpk.core.xlsx import FileError as _FileError
from tkpk.core.xlsx import as_text as _as_text
from tkpk.core.xlsx import decimal_cell as _decimal
from tkpk.core.xlsx import parse_decimal_text as _parse_decimal_text
from tkpk.core.xlsx import sheet_rows
from tkpk.monitoring.models import QuarterReport, ReportValue
from tkpk.monitoring.services_reports import report_value_save, value_editable
from tkpk.planning.excel.reading import RowError

SHEET = "Laporan"
HELP_SHEET = "Petunjuk"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 2000
HEADER_SCAN_ROWS = 20
DESILS = tuple(str(d) for d in range(1, 11))
SEXES = {"L": "Laki-laki", "P": "Perempuan"}
COUNT_LIMIT = 2_000_000_000  # beneficiaries: what a PositiveIntegerField holds everywhere


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    # id, version, code: identify the line; info: read-only; number, count, text: filled in
    kind: str
    width: int


COLUMNS: tuple[Column, ...] = (
    Column("ID", "id", "id", 6),
    Column("Versi", "lock_version", "version", 6),
    Column("Kode", "code", "code", 12),
    Column("Sub Kegiatan", "name", "info", 36),
    Column("Indikator", "indicator", "info", 32),
    Column("Satuan", "unit", "info", 10),
    Column("Target TW", "quarter_target", "info", 11),
    Column("Target Tahun", "target", "info", 11),
    Column("Pagu (Rp)", "budget_ceiling", "info", 18),
    Column("Target Penerima", "beneficiary_target", "info", 11),
    Column("Realisasi Fisik", "physical", "number", 12),
    Column("Realisasi Anggaran (Rp)", "budget", "number", 18),
    Column("Penerima Manfaat", "beneficiaries", "count", 11),
    *(Column(f"Desil {d}", f"desil_{d}", "count", 8) for d in DESILS),
    *(Column(label, f"sex_{key}", "count", 10) for key, label in SEXES.items()),
    Column("Permasalahan", "problems", "text", 36),
    Column("Faktor Pendorong", "drivers", "text", 30),
    Column("Penjelasan", "explanation", "text", 30),
)
HEADERS = {c.field: c.header for c in COLUMNS}
FILLED = tuple(c for c in COLUMNS if c.kind in {"number", "count", "text"})
REQUIRED = tuple(c for c in COLUMNS if c.kind in {"version", "code", "number", "count", "text"})


def _header_key(text: Any) -> str:
    """'Realisasi Anggaran (Rp)', ' realisasi anggaran ' and 'REALISASI ANGGARAN' match."""
    if not isinstance(text, str):
        return ""
    return " ".join(re.sub(r"\(.*?\)", " ", text).lower().split())


HEADER_KEYS = {_header_key(c.header): c for c in COLUMNS}


def number_from_text(text: str) -> Decimal | None:
    """A number as typed on a page or in a sheet: 1234.5, 1234,5, 1.234,5 or 1,234.5."""
    try:
        return _parse_decimal_text(text)
    except _CellError as exc:
        raise ValueError(str(exc)) from exc


# --- the download ------------------------------------------------------------------------------


def _plain(value: Decimal | None) -> Decimal | int | None:
    if value is None:
        return None
    normal = value.normalize()
    return int(normal) if normal == normal.to_integral_value() else normal


def _cell_value(value: ReportValue, quarter: int, column: Column) -> Any:
    name = column.field
    if column.kind in {"id", "version"}:
        raw: Any = value.pk if column.kind == "id" else value.lock_version
    elif name == "quarter_target":
        raw = value.row.quarter_target(quarter)
    elif column.kind in {"code", "info"}:
        raw = getattr(value.row, name)
    elif name.startswith("desil_"):
        raw = value.beneficiaries_by_desil.get(name.removeprefix("desil_"))
    elif name.startswith("sex_"):
        raw = value.beneficiaries_by_sex.get(name.removeprefix("sex_"))
    else:
        raw = getattr(value, name)
    return _plain(raw) if isinstance(raw, Decimal) else raw


def report_template(*, report: QuarterReport) -> bytes:
    """An XLSX of the report: sheet "Laporan" (one line per row) and "Petunjuk" (how to fill)."""
    quarter = report.period.quarter
    values = list(report.values.select_related("row").order_by("row__code"))
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    unlocked, bold = Protection(locked=False), Font(bold=True)
    grey = PatternFill("solid", fgColor="DDDDDD")
    readonly = PatternFill("solid", fgColor="F2F2F2")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font, cell.fill = bold, grey
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        dimension = sheet.column_dimensions[cell.column_letter]
        dimension.width = column.width
        dimension.hidden = column.kind in {"id", "version"}
    for line, value in enumerate(values, start=2):
        editable = value_editable(value)
        for index, column in enumerate(COLUMNS, start=1):
            content = _cell_value(value, quarter, column)
            if isinstance(content, str):
                content = neutralise(content) if content else None
            cell = sheet.cell(row=line, column=index, value=content)
            if column.kind == "code":
                cell.number_format = "@"
            elif column.field in {"budget", "budget_ceiling"}:
                cell.number_format = "#,##0"
            if column in FILLED and editable:
                cell.protection = unlocked
            elif column.kind in {"code", "info"} or column in FILLED:
                cell.fill = readonly
            if column.kind == "text":
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "D2"
    # Protected without a password: it prevents accidents (the hidden columns, the targets).
    sheet.protection.sheet = True
    sheet.protection.formatCells = False
    sheet.protection.formatColumns = False
    _help_sheet(workbook.create_sheet(HELP_SHEET), report=report)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _help_sheet(sheet: Any, *, report: QuarterReport) -> None:
    period = report.period
    lines = [
        f"Laporan pemantauan triwulan {period.quarter} tahun {period.year}",
        f"Perangkat Daerah: {report.opd.name}",
        f"Status laporan saat diunduh: {report.get_state_display()} "
        f"(versi laporan {report.lock_version})",
        f"Diunduh: {timezone.localdate().strftime('%d-%m-%Y')}",
        "",
        "Cara mengisi",
        "1. Isi kolom Realisasi Fisik, Realisasi Anggaran (Rp), Penerima Manfaat, Desil 1 sampai "
        "Desil 10, Laki-laki, Perempuan, Permasalahan, Faktor Pendorong dan Penjelasan. Kolom "
        "berwarna abu-abu (kode, target, pagu) tidak diubah.",
        "2. Angka: tulis tanpa pemisah ribuan (1234,5 atau 1234.5) atau dengan format Indonesia "
        "(1.234,5). Tidak boleh negatif. Penerima manfaat dan rinciannya berupa bilangan bulat; "
        "jumlah rincian desil atau jenis kelamin tidak melebihi Penerima Manfaat.",
        "3. Sel yang dikosongkan mengosongkan nilainya di laporan.",
        "4. Kolom ID dan Versi (tersembunyi) mengenali baris dan versinya saat templat diunduh. "
        "Jika baris diubah setelah itu (di layar atau oleh unggahan lain), unggahan ditolak: "
        "unduh templat baru, lalu terapkan perubahan Anda lagi.",
        "5. Saat diunggah, seluruh berkas diperiksa lebih dahulu. Jika ada satu kesalahan saja, "
        "tidak ada yang disimpan; daftar kesalahan menyebut nomor baris dan kolomnya.",
        "6. Mengunggah tidak mengajukan laporan: ajukan dari layar laporan.",
    ]
    sheet.column_dimensions["A"].width = 110
    for number, text in enumerate(lines, start=1):
        cell = sheet.cell(row=number, column=1, value=neutralise(text) if text else None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if number in (1, 6):
            cell.font = Font(bold=True)


# --- reading an upload -------------------------------------------------------------------------


@dataclass
class _Item:
    line: int
    values: dict[str, Any] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    value: ReportValue | None = None
    changes: dict[str, Any] = field(default_factory=dict)

    def error(self, field_name: str, message: str) -> None:
        self.errors.append(RowError(self.line, HEADERS.get(field_name, ""), message))


def _whole(number: Decimal | None) -> int | None:
    if number is None:
        return None
    if number < 0 or number > COUNT_LIMIT or number != number.to_integral_value():
        raise _CellError(_("'%(value)s' is not a whole number of at least 0") % {"value": number})
    return int(number)


def _identifier(value: Any, what: str) -> int | None:
    text = _as_text(value)
    if not text:
        return None
    if not text.isdigit():
        raise _CellError(
            _("'%(value)s' is not a valid %(what)s; download a new template")
            % {"value": text[:40], "what": what}
        )
    return int(text)


def _parse_cell(item: _Item, column: Column, raw: Any, cached: Any) -> None:
    """One cell into ``item.values``; a formula's text is kept as text and never run."""
    formula = isinstance(raw, str) and raw.startswith("=") and raw != cached
    value = cached if formula else raw
    try:
        if column.kind == "text":
            item.values[column.field] = _as_text(raw)
        elif column.kind == "code":
            item.values[column.field] = _as_text(value)
        elif column.kind == "id":
            item.values[column.field] = _identifier(value, "ID")
        elif column.kind == "version":
            item.values[column.field] = _identifier(value, _("version"))
        elif column.kind == "number":
            number = _decimal(value, formula, 2 if column.field == "budget" else 4)
            if number is not None and number < 0:
                raise _CellError(_("the value may not be negative"))
            item.values[column.field] = number
        elif column.kind == "count":
            item.values[column.field] = _whole(_decimal(value, formula, 0))
    except _CellError as exc:
        item.error(column.field, str(exc))


def _sheet_rows(data: bytes) -> Iterator[tuple[int, list[Any], list[Any]]]:
    return sheet_rows(data, preferred=SHEET)


def _read(data: bytes) -> list[_Item]:
    rows = _sheet_rows(data)
    positions: dict[int, Column] | None = None
    for number, written, _computed in rows:
        keys: dict[str, int] = {}
        for index, cell in enumerate(written):
            if _header_key(cell):
                keys.setdefault(_header_key(cell), index)
        if "kode" in keys and "versi" in keys:
            positions = {i: HEADER_KEYS[k] for k, i in keys.items() if k in HEADER_KEYS}
            break
        if number >= HEADER_SCAN_ROWS:
            break
    if positions is None:
        raise _FileError(
            _(
                "No header row with the columns Kode and Versi was found; use the downloaded "
                "template."
            )
        )
    missing = [c.header for c in REQUIRED if c not in positions.values()]
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
            if column.kind != "info"
        }
        if all(_as_text(raw) == "" for raw, _c in cells.values()):
            continue
        if len(items) >= MAX_ROWS:
            raise _FileError(_("The sheet has more than %(max)s filled rows.") % {"max": MAX_ROWS})
        item = _Item(line=number)
        for column, (raw, cached) in cells.items():
            _parse_cell(item, column, raw, cached)
        items.append(item)
    return items


# --- checking against the report ---------------------------------------------------------------


def _posted(values: dict[str, Any]) -> dict[str, Any]:
    """The parsed cells in ``report_value_save``'s terms."""
    desil = {d: values[f"desil_{d}"] for d in DESILS if values.get(f"desil_{d}") is not None}
    sexes = {s: values[f"sex_{s}"] for s in SEXES if values.get(f"sex_{s}") is not None}
    return {
        "physical": values.get("physical"),
        "budget": values.get("budget"),
        "beneficiaries": values.get("beneficiaries"),
        "beneficiaries_by_desil": desil,
        "beneficiaries_by_sex": sexes,
        "problems": values.get("problems", ""),
        "drivers": values.get("drivers", ""),
        "explanation": values.get("explanation", ""),
    }


def _differs(old: Any, new: Any) -> bool:
    if isinstance(old, Decimal) or isinstance(new, Decimal):
        return old is None or new is None or Decimal(old) != Decimal(new)
    return bool(old != new)


def _identify(
    item: _Item, values: dict[int, ReportValue], by_code: dict[str, ReportValue]
) -> ReportValue | None:
    """The report's row a line names (by its hidden ID, else by its code), or an error."""
    pk, code = item.values.get("id"), str(item.values.get("code") or "")
    if pk is not None:
        value = values.get(pk)
        if value is None:
            item.error("id", _("this line is not a row of this report (another OPD or quarter)"))
        elif code and code != value.row.code:
            item.error(
                "code",
                _("code %(code)s does not match the row's code %(expected)s")
                % {"code": code, "expected": value.row.code},
            )
            return None
        return value
    if not code:
        item.error("code", _("the code is empty"))
        return None
    value = by_code.get(code)
    if value is None:
        item.error("code", _("code %(code)s is not a row of this report") % {"code": code})
    return value


def _compare(item: _Item, value: ReportValue) -> None:
    """The line's changes to the row, refused when stale, closed or inconsistent."""
    version = item.values.get("lock_version")
    if version is None:
        item.error("lock_version", _("the version is empty; download a new template"))
        return
    posted = _posted(item.values)
    item.changes = {k: v for k, v in posted.items() if _differs(getattr(value, k), v)}
    if not item.changes:
        return
    if version != value.lock_version:
        item.error(
            "lock_version",
            _(
                "row %(code)s was changed after the template was downloaded; download a new "
                "template and apply your changes again"
            )
            % {"code": value.row.code},
        )
    elif not value_editable(value):
        item.error("code", _("row %(code)s is not open for changes") % {"code": value.row.code})
    total = posted["beneficiaries"]
    for key, column in (("beneficiaries_by_desil", "desil_1"), ("beneficiaries_by_sex", "sex_L")):
        parts = posted[key]
        if parts and total is not None and sum(parts.values()) > total:
            item.error(column, _("the breakdown adds up to more than Penerima Manfaat"))


def _check(report: QuarterReport, items: list[_Item]) -> None:
    values = {v.pk: v for v in report.values.select_related("report__period", "row")}
    by_code = {v.row.code: v for v in values.values()}
    seen: dict[int, int] = {}
    for item in items:
        if item.errors:
            continue
        value = _identify(item, values, by_code)
        if value is None or item.errors:
            continue
        if value.pk in seen:
            item.error(
                "code",
                _("row %(code)s appears again (first in line %(line)s)")
                % {"code": value.row.code, "line": seen[value.pk]},
            )
            continue
        seen[value.pk] = item.line
        item.value = value
        _compare(item, value)


@dataclass
class ImportResult:
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _RollbackError(Exception):
    pass


def _message(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("An OPD works only on its own rows.")


def report_import(*, report: QuarterReport, data: bytes, by: User) -> ImportResult:
    """Check the whole upload, then apply it in one transaction, or apply nothing."""
    try:
        items = _read(data)
    except _FileError as exc:
        return ImportResult(errors=[RowError(None, "", str(exc))])
    _check(report, items)
    errors = [e for item in items for e in item.errors]
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult()
    try:
        with transaction.atomic():
            for item in items:
                if not item.changes or item.value is None:
                    result.unchanged += 1
                    continue
                try:
                    report_value_save(
                        value=item.value,
                        by=by,
                        lock_version=item.values["lock_version"],
                        data=item.changes,
                    )
                except (ValidationError, PermissionDenied) as exc:  # stale saves included
                    result.errors.append(RowError(item.line, "", _message(exc)))
                    raise _RollbackError from exc
                result.updated += 1
    except _RollbackError:
        return ImportResult(errors=result.errors)
    return result
