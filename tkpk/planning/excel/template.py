"""``matrix_template``: one OPD's rows of the RAT written into a workbook, with instructions."""

from __future__ import annotations

import io
from typing import Any

import openpyxl
from django.utils import timezone
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from tkpk.accounts.models import Organisation
from tkpk.core.exports import neutralise
from tkpk.planning.excel.layout import (
    COLUMNS,
    DIRECTION_WORDS,
    HELP_SHEET,
    SHEET,
    TEXT_COLUMNS,
    Column,
)
from tkpk.planning.models import MatrixRow, Plan

EXTRA_ROWS = 300  # empty, editable rows below the data, with the same drop-down lists


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
