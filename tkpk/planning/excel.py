"""The RAT matrix as an Excel workbook, for OPDs that prepare their proposals offline.

``matrix_template`` writes one OPD's rows into a workbook; ``matrix_import`` reads it back. The
upload is checked completely first (every row, every column) and applied only when the whole
file is valid, in one transaction, through ``services.matrix_row_save``: never partially.

The workbook is an exchange format, so its sheet names, column headers and instructions are
fixed Indonesian text (like the plan's section titles), not interface text: a file downloaded
in one interface language must upload in the other. Error messages are interface text.
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import openpyxl
from django.core.exceptions import NON_FIELD_ERRORS, PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from tkpk.accounts.models import Organisation, OrganisationKind, User
from tkpk.core.exports import neutralise
from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.planning.models import Direction, MatrixRow, Plan, PlanKind, RowLevel
from tkpk.planning.services import DRAFTERS, matrix_row_save
from tkpk.regions.models import Level, Region

SHEET = "Matriks"
HELP_SHEET = "Petunjuk"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ROWS = 5000  # rows with content; an OPD proposes tens, not thousands
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # a small upload must not unpack into gigabytes
EXTRA_ROWS = 300  # empty, editable rows below the data, with the same drop-down lists
HEADER_SCAN_ROWS = 20
VALUE_IN_MESSAGE = 60  # characters of a cell value quoted back in a message

# The sheet's words for the model's choices.
LEVELS: dict[str, str] = {
    "program": RowLevel.PROGRAMME,
    "kegiatan": RowLevel.ACTIVITY,
    "subkegiatan": RowLevel.SUB_ACTIVITY,
}
LEVEL_RANK: dict[str, int] = {
    RowLevel.PROGRAMME: 0,
    RowLevel.ACTIVITY: 1,
    RowLevel.SUB_ACTIVITY: 2,
}
DIRECTIONS: dict[str, str] = {"naik": Direction.HIGHER, "turun": Direction.LOWER}
DIRECTION_WORDS: dict[str, str] = {value: word for word, value in DIRECTIONS.items()}


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    kind: str  # code, level, parent, text, direction, number, locations, version
    width: int


COLUMNS = (
    Column("Kode", "code", "code", 14),
    Column("Tingkat", "level", "level", 14),
    Column("Kode Induk", "parent", "parent", 14),
    Column("Nama", "name", "text", 48),
    Column("Indikator", "indicator", "text", 36),
    Column("Satuan", "unit", "text", 14),
    Column("Arah", "direction", "direction", 9),
    Column("Baseline", "baseline", "number", 12),
    Column("Target Tahun", "target", "number", 13),
    Column("TW I", "target_q1", "number", 10),
    Column("TW II", "target_q2", "number", 10),
    Column("TW III", "target_q3", "number", 10),
    Column("TW IV", "target_q4", "number", 10),
    Column("Anggaran (Rp)", "budget", "number", 20),
    Column("Sumber Dana", "source_of_funds", "text", 14),
    Column("Kelompok Sasaran", "target_group", "text", 22),
    Column("Lokasi (kode kelurahan dipisah koma)", "locations", "locations", 30),
    Column("Penjelasan Deviasi", "deviation_note", "text", 36),
    Column("Versi", "lock_version", "version", 8),
)
HEADERS = {c.field: c.header for c in COLUMNS}
TEXT_COLUMNS = {"code", "parent", "locations"}  # cell format "Text": never read as numbers
# Model fields the sheet writes directly (parent, locations and the version are resolved apart).
VALUE_FIELDS = [c.field for c in COLUMNS if c.kind in {"code", "level", "text", "direction"}]
NUMBER_FIELDS = [c.field for c in COLUMNS if c.kind == "number"]


def _header_key(text: Any) -> str:
    """'Anggaran (Rp)', ' anggaran ' and 'ANGGARAN' name the same column."""
    if not isinstance(text, str):
        return ""
    text = re.sub(r"\(.*?\)", " ", text)
    return " ".join(text.lower().split())


HEADER_KEYS = {_header_key(c.header): c for c in COLUMNS}


# --- Permissions ---------------------------------------------------------------------------------


def matrix_organisations_for(*, user: Any) -> list[Organisation]:
    """The OPDs whose rows this user may download and upload (empty: none)."""
    if not scope_for(user, DRAFTERS).is_empty:
        return list(
            Organisation.objects.filter(kind=OrganisationKind.OPD, is_active=True).order_by("name")
        )
    scope = scope_for(user, [Role.OPD])
    if scope.is_empty:
        return []
    return list(Organisation.objects.filter(pk__in=scope.organisation_ids).order_by("name"))


def matrix_organisation_allowed(*, user: Any, organisation: Organisation) -> bool:
    if not scope_for(user, DRAFTERS).is_empty:
        return True
    return scope_for(user, [Role.OPD]).covers_organisation(organisation.pk)


# --- Template ------------------------------------------------------------------------------------


def _rows_in_tree_order(rows: list[MatrixRow]) -> list[MatrixRow]:
    """Parents before their children, so a file adding rows under them reads top to bottom."""
    codes = {r.pk for r in rows}
    children: dict[int | None, list[MatrixRow]] = {}
    for row in rows:
        key = row.parent_id if row.parent_id in codes else None
        children.setdefault(key, []).append(row)
    ordered: list[MatrixRow] = []

    def walk(parent: int | None) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: r.code):
            ordered.append(row)
            walk(row.pk)

    walk(None)
    return ordered


def _cell_value(row: MatrixRow, column: Column) -> Any:
    if column.kind == "parent":
        return row.parent.code if row.parent else None
    if column.kind == "level":
        return row.level
    if column.kind == "direction":
        return DIRECTION_WORDS.get(row.direction, "")
    if column.kind == "locations":
        return ", ".join(sorted(region.pk for region in row.locations.all()))
    return getattr(row, column.field)


def matrix_template(*, plan: Plan, organisation: Organisation) -> bytes:
    """An XLSX with the OPD's rows of the RAT (sheet "Matriks") and instructions ("Petunjuk")."""
    rows = _rows_in_tree_order(
        list(
            plan.matrix.filter(opd=organisation)
            .select_related("parent")
            .prefetch_related("locations")
        )
    )
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    unlocked = Protection(locked=False)
    bold = Font(bold=True)
    grey = PatternFill("solid", fgColor="DDDDDD")
    for index, column in enumerate(COLUMNS, start=1):
        cell = sheet.cell(row=1, column=index, value=column.header)
        cell.font, cell.fill = bold, grey
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        dimension = sheet.column_dimensions[cell.column_letter]
        dimension.width = column.width
        if column.kind == "version":
            dimension.hidden = True
            continue
        # Cells typed later in empty rows take the column's style: editable, text where needed.
        dimension.protection = unlocked
        if column.field in TEXT_COLUMNS:
            dimension.number_format = "@"
    for line, row in enumerate(rows, start=2):
        for index, column in enumerate(COLUMNS, start=1):
            value = _cell_value(row, column)
            if isinstance(value, str):
                value = neutralise(value) if value else None
            cell = sheet.cell(row=line, column=index, value=value)
            if column.field in TEXT_COLUMNS:
                cell.number_format = "@"
            elif column.field == "budget":
                cell.number_format = "#,##0"
            if column.kind != "version":
                cell.protection = unlocked
    last = len(rows) + 1 + EXTRA_ROWS
    level_list = DataValidation(
        type="list",
        formula1='"program,kegiatan,subkegiatan"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Tingkat",
        error="Pilih program, kegiatan atau subkegiatan.",
    )
    direction_list = DataValidation(
        type="list",
        formula1='"naik,turun"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Arah",
        error="Pilih naik atau turun.",
    )
    for validation, field_name in ((level_list, "level"), (direction_list, "direction")):
        letter = openpyxl.utils.get_column_letter(
            next(i for i, c in enumerate(COLUMNS, start=1) if c.field == field_name)
        )
        validation.add(f"{letter}2:{letter}{last}")
        sheet.add_data_validation(validation)
    sheet.freeze_panes = "B2"
    # Protected without a password: it prevents accidents (the hidden Versi column), not people.
    sheet.protection.sheet = True
    sheet.protection.insertRows = False
    sheet.protection.deleteRows = False
    sheet.protection.formatCells = False
    sheet.protection.sort = False
    _help_sheet(workbook.create_sheet(HELP_SHEET), plan=plan, organisation=organisation)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _help_sheet(sheet: Any, *, plan: Plan, organisation: Organisation) -> None:
    today = timezone.localdate().strftime("%d-%m-%Y")
    lines = [
        f"Templat usulan matriks {plan.title}",
        f"Perangkat Daerah: {organisation.name}",
        f"Diunduh: {today}",
        "",
        "Cara mengisi",
        "1. Lembar Matriks berisi baris-baris Perangkat Daerah Anda. Ubah nilai pada baris yang "
        "ada, atau tambahkan baris baru di baris kosong di bawahnya.",
        "2. Jangan mengubah baris judul (baris 1) dan jangan mengganti Kode pada baris yang "
        "sudah ada: kode adalah kunci baris. Kode baru harus unik di seluruh rencana.",
        "3. Tingkat: program, kegiatan atau subkegiatan. Program tidak memiliki Kode Induk; "
        "kegiatan dan subkegiatan wajib memiliki Kode Induk dari tingkat yang lebih tinggi, "
        "milik Perangkat Daerah yang sama, yang sudah ada di rencana atau di baris di atasnya.",
        "4. Arah: naik (makin tinggi makin baik) atau turun (makin rendah makin baik).",
        "5. Angka: tulis tanpa pemisah ribuan (1234,5 atau 1234.5) atau dengan format Indonesia "
        "(1.234,5). Tulis angkanya, bukan rumus. Target triwulan (TW I sampai TW IV) bersifat "
        "kumulatif: TW IV sama dengan Target Tahun.",
        "6. Anggaran (Rp) dalam rupiah penuh, tidak boleh negatif.",
        "7. Lokasi: kode kelurahan Kemendagri dipisah koma, misalnya 31.73.04.1002, 31.72.01.1001.",
        "8. Penjelasan Deviasi wajib diisi jika target menyimpang dari lintasan RPKD.",
        "9. Kolom Versi (tersembunyi) mencatat versi setiap baris saat templat diunduh. Jika "
        "baris diubah orang lain setelah itu, unggahan ditolak: unduh templat baru, lalu "
        "terapkan perubahan Anda lagi.",
        "10. Menghapus baris di berkas ini tidak menghapus baris di rencana.",
        "11. Saat diunggah, seluruh berkas diperiksa lebih dahulu. Jika ada satu kesalahan saja, "
        "tidak ada yang disimpan; daftar kesalahan menyebut nomor baris dan kolomnya.",
    ]
    sheet.column_dimensions["A"].width = 110
    for number, text in enumerate(lines, start=1):
        cell = sheet.cell(row=number, column=1, value=neutralise(text) if text else None)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if number in (1, 5):
            cell.font = Font(bold=True)


# --- Import --------------------------------------------------------------------------------------


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


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class _FileError(Exception):
    pass


class _CellError(Exception):
    pass


class _RollbackError(Exception):
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


def _messages(error: ValidationError | PermissionDenied) -> str:
    if isinstance(error, ValidationError):
        return " ".join(str(m) for m in error.messages)
    return str(error) or _("An OPD edits only its own rows.")


class _Validator:
    """Checks every row against the plan as it will be once the whole file is applied."""

    def __init__(self, *, plan: Plan, organisation: Organisation, items: list[_Item]) -> None:
        self.plan, self.organisation, self.items = plan, organisation, items
        self.existing = {
            r.code: r
            for r in plan.matrix.select_related("opd", "parent", "updated_by").prefetch_related(
                "locations"
            )
        }
        self.in_file: dict[str, _Item] = {}
        codes = {c for item in items for c in item.values.get("locations") or []}
        self.regions = {r.pk: r for r in Region.objects.filter(pk__in=codes)}

    def final_level(self, code: str) -> str:
        item = self.in_file.get(code)
        if item is not None:
            return str(item.values.get("level") or "")
        return self.existing[code].level

    def run(self) -> None:
        identified = [item for item in self.items if self.identify(item)]
        for item in identified:
            if not {"level", "parent"} & item.failed:
                self.check_tree(item)
            if "locations" not in item.failed:
                self.check_locations(item)
            self.check_fields(item)
            if not item.errors and item.existing is not None:
                self.check_version(item)

    def identify(self, item: _Item) -> bool:
        """Whether the row names a code this OPD may write (then its other cells are checked)."""
        code = item.code
        if "code" in item.failed:
            return False
        if not code:
            item.error("code", _("the code is empty"))
            return False
        if code in self.in_file:
            item.error(
                "code",
                _("code %(code)s appears again (first in row %(row)s)")
                % {"code": code, "row": self.in_file[code].line},
            )
            return False
        self.in_file[code] = item
        item.existing = self.existing.get(code)
        version = item.values.get("lock_version")
        if item.existing is not None and item.existing.opd_id != self.organisation.pk:
            item.error(
                "code",
                _("code %(code)s belongs to another OPD (%(opd)s)")
                % {"code": code, "opd": item.existing.opd},
            )
            return False
        if item.existing is None and version is not None:
            item.error(
                "code",
                _(
                    "code %(code)s is not in the plan, yet this row carries the version of an "
                    "existing row: either the row was deleted after the template was downloaded, "
                    "or its code was changed (a code cannot be changed through the file; add new "
                    "rows in the empty lines below)"
                )
                % {"code": code},
            )
        return True

    def check_tree(self, item: _Item) -> None:
        level = str(item.values.get("level") or "")
        if not level:
            item.error("level", _("the level is empty"))
            return
        parent_code = str(item.values.get("parent") or "")
        if not parent_code:
            if level != RowLevel.PROGRAMME:
                item.error(
                    "parent",
                    _("a %(level)s needs a parent code") % {"level": RowLevel(level).label},
                )
        elif level == RowLevel.PROGRAMME:
            item.error("parent", _("a programme has no parent code"))
        else:
            self.check_parent(item, level, parent_code)
        if item.existing is not None and item.existing.level != level:
            self.check_children(item, level)

    def check_parent(self, item: _Item, level: str, parent_code: str) -> None:
        earlier = self.in_file.get(parent_code)
        if earlier is not None and earlier.line > item.line and parent_code not in self.existing:
            earlier = None
        if earlier is None and parent_code not in self.existing:
            item.error(
                "parent",
                _("parent code %(code)s is neither in the plan nor in an earlier row")
                % {"code": parent_code},
            )
            return
        parent_row = self.existing.get(parent_code)
        if parent_row is not None and parent_row.opd_id != self.organisation.pk:
            item.error(
                "parent",
                _("parent %(code)s belongs to another OPD (%(opd)s)")
                % {"code": parent_code, "opd": parent_row.opd},
            )
            return
        parent_level = self.final_level(parent_code)
        if parent_level in LEVEL_RANK and LEVEL_RANK[parent_level] >= LEVEL_RANK[level]:
            item.error(
                "parent",
                _("parent %(code)s is a %(parent_level)s; a %(level)s goes under a higher level")
                % {
                    "code": parent_code,
                    "parent_level": RowLevel(parent_level).label,
                    "level": RowLevel(level).label,
                },
            )

    def check_children(self, item: _Item, level: str) -> None:
        """A new level must stay above the rows under it that the file does not move."""
        if item.existing is None:
            return
        below = [
            row.code
            for row in self.existing.values()
            if row.parent_id == item.existing.pk
            and row.code not in self.in_file
            and LEVEL_RANK[row.level] <= LEVEL_RANK[level]
        ]
        if below:
            item.error(
                "level",
                _("the rows under it (%(codes)s) would no longer be at a lower level")
                % {"codes": ", ".join(sorted(below))},
            )

    def check_locations(self, item: _Item) -> None:
        codes = item.values.get("locations") or []
        unknown = [c for c in codes if c not in self.regions]
        if unknown:
            item.error(
                "locations",
                _("unknown kelurahan code: %(codes)s") % {"codes": ", ".join(unknown)},
            )
        others = [
            c for c in codes if c in self.regions and self.regions[c].level != Level.KELURAHAN
        ]
        if others:
            item.error(
                "locations",
                _("not a kelurahan code: %(codes)s") % {"codes": ", ".join(others)},
            )

    def check_fields(self, item: _Item) -> None:
        """The model's own rules (lengths, decimals, budget not negative), before any write."""
        if item.existing is not None:
            candidate = copy.copy(item.existing)
        else:
            candidate = MatrixRow(plan=self.plan, opd=self.organisation)
        values = self.model_values(item)
        for name, value in values.items():
            setattr(candidate, name, value)
        try:
            candidate.full_clean(
                exclude=[
                    "plan",
                    "parent",
                    "opd",
                    "rpkd_programme",
                    "rpkd_target",
                    "updated_by",
                    *item.failed,  # already reported
                ],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = name if name != NON_FIELD_ERRORS else ""
                for message in messages:
                    item.error(column, message)
        if item.existing is not None:
            item.changes = self.changes(item, values)

    @staticmethod
    def model_values(item: _Item) -> dict[str, Any]:
        values = {name: item.values.get(name, "") for name in VALUE_FIELDS}
        values |= {name: item.values.get(name) for name in NUMBER_FIELDS}
        if values["budget"] is None:
            values["budget"] = Decimal(0)
        return values

    def changes(self, item: _Item, values: dict[str, Any]) -> dict[str, Any]:
        row = item.existing
        if row is None:
            return {}
        changed = {k: v for k, v in values.items() if k != "code" and getattr(row, k) != v}
        parent_code = str(item.values.get("parent") or "")
        if parent_code != (row.parent.code if row.parent else ""):
            changed["parent"] = parent_code
        codes = sorted(item.values.get("locations") or [])
        if codes != sorted(r.pk for r in row.locations.all()):
            changed["locations"] = codes
        return changed

    def check_version(self, item: _Item) -> None:
        row = item.existing
        if row is None:
            return
        version = item.values.get("lock_version")
        if item.changes and version is None:
            item.error(
                "code",
                _(
                    "code %(code)s already exists in the plan (added after the template was "
                    "downloaded?); download a new template"
                )
                % {"code": row.code},
            )
        elif item.changes and version != row.lock_version:
            who = row.updated_by.get_full_name() if row.updated_by else _("someone")
            item.error(
                "",
                _(
                    "%(who)s changed this row after the template was downloaded (version "
                    "%(current)s, the file has %(sheet)s); download a new template and apply "
                    "your changes again"
                )
                % {"who": who, "current": row.lock_version, "sheet": version},
            )


def matrix_import(
    *, plan: Plan, organisation: Organisation, data: bytes, by: User | None
) -> ImportResult:
    """Check the whole upload, then apply it in one transaction, or apply nothing."""
    if by is not None and not matrix_organisation_allowed(user=by, organisation=organisation):
        raise PermissionDenied(_("An OPD edits only its own rows."))
    if plan.kind != PlanKind.RAT:
        return ImportResult(
            errors=[RowError(None, "", _("Only a RAT has a matrix of success targets."))]
        )
    if plan.is_locked:
        return ImportResult(
            errors=[
                RowError(
                    None,
                    "",
                    _(
                        "The plan is enacted and locked; nothing was changed. Changes need an "
                        "amendment (a new version)."
                    ),
                )
            ]
        )
    try:
        items = _read(data)
    except _FileError as exc:
        return ImportResult(errors=[RowError(None, "", str(exc))])
    validator = _Validator(plan=plan, organisation=organisation, items=items)
    validator.run()
    errors = [e for item in items for e in item.errors]
    if errors:
        return ImportResult(errors=errors)
    result = ImportResult()
    try:
        with transaction.atomic():
            _apply(plan=plan, organisation=organisation, validator=validator, by=by, result=result)
    except _RollbackError:
        return ImportResult(errors=result.errors)
    return result


def _apply(
    *,
    plan: Plan,
    organisation: Organisation,
    validator: _Validator,
    by: User | None,
    result: ImportResult,
) -> None:
    saved: dict[str, MatrixRow] = {}

    def row_for(code: str) -> MatrixRow | None:
        if not code:
            return None
        return saved.get(code) or validator.existing.get(code)

    for item in validator.items:
        values = validator.model_values(item)
        regions = [validator.regions[c] for c in item.values.get("locations") or []]
        try:
            if item.existing is None:
                data = values | {
                    "opd": organisation,
                    "parent": row_for(str(item.values.get("parent") or "")),
                    "locations": regions,
                }
                saved[item.code] = matrix_row_save(plan=plan, by=by, data=data)
                result.created += 1
            elif item.changes:
                data = dict(item.changes)
                if "parent" in data:
                    data["parent"] = row_for(data["parent"])
                if "locations" in data:
                    data["locations"] = regions
                saved[item.code] = matrix_row_save(
                    plan=plan,
                    by=by,
                    row=item.existing,
                    lock_version=item.values["lock_version"],
                    data=data,
                )
                result.updated += 1
            else:
                result.unchanged += 1
        except (ValidationError, PermissionDenied) as exc:
            result.errors.append(RowError(item.line, "", _messages(exc)))
            result.created = result.updated = result.unchanged = 0
            raise _RollbackError from exc
