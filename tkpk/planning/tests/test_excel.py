"""The RAT matrix in Excel: an OPD downloads its rows, fills them in offline and uploads them.

Nothing is applied unless the whole file is valid."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tkpk.accounts.models import Organisation, User
from tkpk.core.models import AuditEvent
from tkpk.planning.demo import demo_plans_load
from tkpk.planning.excel import (
    COLUMNS,
    SHEET,
    XLSX_CONTENT_TYPE,
    ImportResult,
    RowError,
    matrix_import,
    matrix_template,
)
from tkpk.planning.models import MatrixRow, Plan, PlanKind
from tkpk.planning.services import matrix_row_save

pytestmark = pytest.mark.django_db

HEADERS = [c.header for c in COLUMNS]


@pytest.fixture
def plans(reference: None) -> dict[str, Plan]:
    assert demo_plans_load() == 3
    return {
        "rat26": Plan.objects.get(kind=PlanKind.RAT, year_start=2026),
        "rat27": Plan.objects.get(kind=PlanKind.RAT, year_start=2027),
    }


@pytest.fixture
def rat(plans: dict[str, Plan]) -> Plan:
    return plans["rat27"]


def _org(acronym: str) -> Organisation:
    return Organisation.objects.get(acronym=acronym)


def _col(header: str) -> int:
    return HEADERS.index(header) + 1


class Sheet:
    """The "Matriks" sheet of a workbook, addressed by row number and column header."""

    def __init__(self, content: bytes) -> None:
        self.book = openpyxl.load_workbook(io.BytesIO(content))
        self.ws = self.book[SHEET]

    def line_of(self, code: str) -> int:
        for number in range(2, self.ws.max_row + 1):
            if self.ws.cell(row=number, column=1).value == code:
                return number
        raise KeyError(code)

    def get(self, code: str, header: str) -> Any:
        return self.ws.cell(row=self.line_of(code), column=_col(header)).value

    def set(self, line: int, header: str, value: Any) -> None:
        self.ws.cell(row=line, column=_col(header), value=value)

    def put(self, line: int, **values: Any) -> None:
        """A whole row by keyword: kode=..., tingkat=..., nama=... (spaces as underscores)."""
        names = {h.lower().split(" (")[0].replace(" ", "_"): h for h in HEADERS}
        for key, value in values.items():
            self.set(line, names[key], value)

    def codes(self) -> list[str]:
        return [
            self.ws.cell(row=n, column=1).value
            for n in range(2, self.ws.max_row + 1)
            if self.ws.cell(row=n, column=1).value
        ]

    def bytes(self) -> bytes:
        buffer = io.BytesIO()
        self.book.save(buffer)
        return buffer.getvalue()


def _template(plan: Plan, acronym: str = "Dinsos") -> Sheet:
    return Sheet(matrix_template(plan=plan, organisation=_org(acronym)))


def _upload(plan: Plan, sheet: Sheet | bytes, by: User, acronym: str = "Dinsos") -> ImportResult:
    data = sheet.bytes() if isinstance(sheet, Sheet) else sheet
    return matrix_import(plan=plan, organisation=_org(acronym), data=data, by=by)


def _state(plan: Plan) -> list[tuple[Any, ...]]:
    """Everything an upload could change, to compare before and after."""
    return [
        (r.code, r.name, r.level, r.parent_id, r.target, r.target_q4, r.budget, r.lock_version)
        for r in MatrixRow.objects.filter(plan=plan).order_by("code")
    ]


def _where(result: ImportResult) -> list[tuple[int | None, str]]:
    return [(e.row, e.column) for e in result.errors]


# --- The template and the round trip -------------------------------------------------------------


def test_the_template_holds_the_opds_rows_with_lists_text_codes_and_a_hidden_version(
    rat: Plan,
) -> None:
    sheet = _template(rat)
    assert sheet.book.sheetnames == ["Matriks", "Petunjuk"]
    assert [c.value for c in sheet.ws[1]] == HEADERS
    assert sheet.codes() == ["P1", "P1.1.1"]  # Dinsos only, parent first
    row = rat.matrix.get(code="P1.1.1")
    assert sheet.get("P1.1.1", "Kode Induk") == "P1"
    assert sheet.get("P1.1.1", "Tingkat") == "subkegiatan"
    assert sheet.get("P1.1.1", "Arah") == "naik"
    assert Decimal(str(sheet.get("P1.1.1", "Target Tahun"))) == Decimal("1200")
    assert sheet.get("P1.1.1", "Versi") == row.lock_version
    code_cell = sheet.ws.cell(row=sheet.line_of("P1.1.1"), column=1)
    assert code_cell.data_type == "s" and code_cell.number_format == "@"
    letter = openpyxl.utils.get_column_letter(_col("Versi"))
    assert sheet.ws.column_dimensions[letter].hidden
    assert sheet.ws.protection.sheet
    assert not sheet.ws.cell(row=3, column=_col("Nama")).protection.locked
    assert sheet.ws.cell(row=3, column=_col("Versi")).protection.locked
    lists = {dv.formula1 for dv in sheet.ws.data_validations.dataValidation}
    assert lists == {'"program,kegiatan,subkegiatan"', '"naik,turun"'}
    help_text = " ".join(str(c.value) for c in sheet.book["Petunjuk"]["A"] if c.value)
    assert "Dinas Sosial" in help_text and "Versi" in help_text


def test_a_changed_target_in_a_downloaded_template_is_applied_on_upload(
    rat: Plan, opd_operator: User
) -> None:
    before = rat.matrix.get(code="P1.1.1")
    sheet = _template(rat)
    line = sheet.line_of("P1.1.1")
    sheet.set(line, "Target Tahun", 1300)
    sheet.set(line, "TW IV", 1300)

    result = _upload(rat, sheet, opd_operator)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (0, 1, 1)
    after = rat.matrix.get(code="P1.1.1")
    assert after.target == after.target_q4 == Decimal("1300")
    assert after.lock_version == before.lock_version + 1
    assert after.updated_by == opd_operator
    assert after.name == before.name and list(after.locations.all()) == list(before.locations.all())
    assert AuditEvent.objects.filter(
        action="planning.row_saved", object_id=str(after.pk), actor=opd_operator
    ).exists()
    # The template downloaded now carries the new value and version: a second upload is a no-op.
    again = _upload(rat, _template(rat), opd_operator)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_new_rows_are_created_under_a_parent_from_the_plan_or_an_earlier_row(
    rat: Plan, opd_operator: User
) -> None:
    sheet = _template(rat)
    sheet.put(4, kode="P1.2", tingkat="kegiatan", kode_induk="P1", nama="Pendataan ulang")
    sheet.put(
        5,
        kode="P1.2.1",
        tingkat="subkegiatan",
        kode_induk="P1.2",
        nama="Verifikasi lapangan",
        indikator="Keluarga terverifikasi",
        satuan="keluarga",
        arah="naik",
        target_tahun=500,
        anggaran=2_500_000_000,
        lokasi="31.73.04.1002, 31.72.01.1001",
    )

    result = _upload(rat, sheet, opd_operator)

    assert result.ok, result.errors
    assert (result.created, result.updated, result.unchanged) == (2, 0, 2)
    child = rat.matrix.get(code="P1.2.1")
    assert child.parent == rat.matrix.get(code="P1.2")
    assert child.opd == _org("Dinsos") and child.direction == "higher"
    assert child.budget == Decimal("2500000000")
    assert sorted(r.pk for r in child.locations.all()) == ["31.72.01.1001", "31.73.04.1002"]


# --- All or nothing ------------------------------------------------------------------------------


def test_a_file_with_one_bad_row_in_the_middle_changes_nothing(
    rat: Plan, opd_operator: User
) -> None:
    before = _state(rat)
    sheet = _template(rat)
    sheet.set(sheet.line_of("P1.1.1"), "Target Tahun", 1300)  # row 3: valid
    sheet.put(4, kode="P1.2", tingkat="kegiatan", kode_induk="P1", nama="Pendataan")
    sheet.put(5, kode="P1.2.1", tingkat="subkegiatan", kode_induk="P1.2", nama="Verifikasi")
    sheet.set(5, "Target Tahun", "12x")
    sheet.put(6, kode="P1.2.2", tingkat="subkegiatan", kode_induk="P1.2", nama="Penyaluran")

    result = _upload(rat, sheet, opd_operator)

    assert not result.ok and (result.created, result.updated) == (0, 0)
    assert _where(result) == [(5, "Target Tahun")]
    assert "'12x'" in result.errors[0].message
    assert _state(rat) == before
    assert not rat.matrix.filter(code__startswith="P1.2").exists()
    assert not AuditEvent.objects.filter(action="planning.row_saved", actor=opd_operator).exists()


def test_every_bad_cell_is_reported_with_its_row_and_column(rat: Plan, opd_operator: User) -> None:
    before = _state(rat)
    sheet = _template(rat)
    p111 = sheet.line_of("P1.1.1")
    sheet.set(p111, "Baseline", "1.234")  # thousands or a decimal point: ambiguous
    sheet.set(p111, "Arah", "atas")
    sheet.put(4, kode="P1.3", tingkat="bab", kode_induk="P1", nama="Tingkat tak dikenal")
    sheet.put(5, kode="P1.4", tingkat="kegiatan", nama="Tanpa induk")
    sheet.put(6, kode="P1.5.1", tingkat="subkegiatan", kode_induk="P1.5", nama="Induk di bawah")
    sheet.put(7, kode="P1.5", tingkat="kegiatan", kode_induk="P1", nama="Induk")
    sheet.put(8, kode="P1.6", tingkat="kegiatan", kode_induk="P1", nama="Lokasi salah")
    sheet.set(8, "Lokasi (kode kelurahan dipisah koma)", "31.73.04.9999, 31.73.04")
    sheet.put(9, kode="P1.7", tingkat="kegiatan", kode_induk="P1", nama="Anggaran negatif")
    sheet.set(9, "Anggaran (Rp)", -5)
    sheet.put(10, kode="P1.4", tingkat="kegiatan", kode_induk="P1", nama="Kode ganda")
    sheet.put(11, kode="P1.8", tingkat="program", kode_induk="P1", nama="Program berinduk")
    sheet.put(12, tingkat="kegiatan", nama="Tanpa kode")

    result = _upload(rat, sheet, opd_operator)

    assert _where(result) == [
        (3, "Arah"),
        (3, "Baseline"),
        (4, "Tingkat"),
        (5, "Kode Induk"),
        (6, "Kode Induk"),
        (8, "Lokasi (kode kelurahan dipisah koma)"),
        (8, "Lokasi (kode kelurahan dipisah koma)"),
        (9, "Anggaran (Rp)"),
        (10, "Kode"),
        (11, "Kode Induk"),
        (12, "Kode"),
    ]
    text = " | ".join(e.message for e in result.errors)
    for fragment in ("'1.234'", "'atas'", "'bab'", "31.73.04.9999", "P1.5", "P1.4"):
        assert fragment in text
    assert _state(rat) == before


def test_a_row_of_another_opd_is_refused_and_nothing_is_applied(
    rat: Plan, opd_operator: User
) -> None:
    before = _state(rat)
    disdik_row = rat.matrix.get(code="P2.1.1")
    sheet = _template(rat)
    sheet.set(sheet.line_of("P1.1.1"), "Target Tahun", 1300)
    sheet.put(
        4,
        kode="P2.1.1",
        tingkat="subkegiatan",
        kode_induk="P2",
        nama="Diambil alih",
        versi=disdik_row.lock_version,
    )
    sheet.put(5, kode="P2.9", tingkat="kegiatan", kode_induk="P2", nama="Di bawah program Disdik")

    result = _upload(rat, sheet, opd_operator)

    assert _where(result) == [(4, "Kode"), (5, "Kode Induk")]
    assert "Disdik" in result.errors[0].message and "Disdik" in result.errors[1].message
    assert _state(rat) == before


def test_an_opd_operator_cannot_upload_for_another_opd(rat: Plan, opd_operator: User) -> None:
    before = _state(rat)
    with pytest.raises(PermissionDenied):
        _upload(rat, _template(rat, "Disdik"), opd_operator, acronym="Disdik")
    assert _state(rat) == before


def test_a_row_changed_by_someone_else_since_the_download_is_a_conflict(
    rat: Plan, opd_operator: User, secretariat: User
) -> None:
    sheet = _template(rat)
    row = rat.matrix.get(code="P1.1.1")
    matrix_row_save(
        plan=rat,
        by=secretariat,
        row=row,
        lock_version=row.lock_version,
        data={"target": Decimal("1250")},
    )
    before = _state(rat)
    sheet.set(sheet.line_of("P1.1.1"), "Target Tahun", 1300)
    sheet.put(4, kode="P1.2", tingkat="kegiatan", kode_induk="P1", nama="Baru")

    result = _upload(rat, sheet, opd_operator)

    assert _where(result) == [(3, "")]
    assert "Rina Wulandari" in result.errors[0].message
    assert _state(rat) == before
    assert rat.matrix.get(code="P1.1.1").target == Decimal("1250")
    assert not rat.matrix.filter(code="P1.2").exists()


def test_an_enacted_plan_is_not_changed_by_an_upload(
    plans: dict[str, Plan], opd_operator: User
) -> None:
    rat26 = plans["rat26"]
    before = _state(rat26)
    sheet = _template(rat26)
    sheet.set(sheet.line_of("P1.1.1"), "Target Tahun", 1300)

    result = _upload(rat26, sheet, opd_operator)

    assert _where(result) == [(None, "")] and result.errors[0].message
    assert _state(rat26) == before


def test_a_file_that_is_not_a_workbook_or_lacks_columns_is_refused(
    rat: Plan, opd_operator: User
) -> None:
    assert _where(_upload(rat, b"Kode,Nama\nP1,x\n", opd_operator)) == [(None, "")]
    sheet = _template(rat)
    sheet.ws.delete_cols(_col("Arah"))
    result = _upload(rat, sheet, opd_operator)
    assert _where(result) == [(None, "")] and "Arah" in result.errors[0].message


# --- What spreadsheets do to files ---------------------------------------------------------------


def test_numbers_as_text_blank_rows_and_leading_apostrophes_are_read(
    rat: Plan, opd_operator: User
) -> None:
    sheet = _template(rat)
    line = sheet.line_of("P1.1.1")
    sheet.set(line, "Baseline", "1.234,5")  # Indonesian, stored as text
    sheet.set(line, "Target Tahun", "'1300")  # typed with an apostrophe
    sheet.set(line, "TW I", "312.5")  # plain decimal point
    sheet.set(line, "TW II", "0,125")  # decimal comma
    sheet.set(line, "TW IV", " 1300 ")
    sheet.set(line, "Anggaran (Rp)", "Rp 1.500.000.000")
    sheet.set(line, "Satuan", "'rumah tangga")
    sheet.set(6, "Nama", "   ")  # rows 4-7 blank or whitespace only
    sheet.put(
        8,
        kode="'P1.3",
        tingkat="Kegiatan",
        kode_induk="P1",
        nama="Baris setelah baris kosong",
        arah="TURUN",
        lokasi="'31.73.04.1002",
        target_tahun=0.1 + 0.2,  # binary noise from a spreadsheet formula
    )
    sheet.set(20, "Nama", "")

    result = _upload(rat, sheet, opd_operator)

    assert result.ok, [str(e) for e in result.errors]
    assert (result.created, result.updated) == (1, 1)
    row = rat.matrix.get(code="P1.1.1")
    assert row.baseline == Decimal("1234.5")
    assert row.target == row.target_q4 == Decimal("1300")
    assert row.target_q1 == Decimal("312.5") and row.target_q2 == Decimal("0.125")
    assert row.budget == Decimal("1500000000")
    assert row.unit == "rumah tangga"
    new = rat.matrix.get(code="P1.3")
    assert new.level == "kegiatan" and new.direction == "lower"
    assert new.target == Decimal("0.3")
    assert [r.pk for r in new.locations.all()] == ["31.73.04.1002"]


def test_a_formula_in_a_name_is_stored_as_text_and_written_back_inert(
    rat: Plan, opd_operator: User
) -> None:
    sheet = _template(rat)
    line = sheet.line_of("P1.1.1")
    sheet.set(line, "Nama", '=HYPERLINK("x")')
    assert sheet.ws.cell(row=line, column=_col("Nama")).data_type == "f"  # a real formula

    result = _upload(rat, sheet, opd_operator)

    assert result.ok, result.errors
    assert rat.matrix.get(code="P1.1.1").name == '=HYPERLINK("x")'
    content = matrix_template(plan=rat, organisation=_org("Dinsos"))
    again = Sheet(content)
    cell = again.ws.cell(row=again.line_of("P1.1.1"), column=_col("Nama"))
    assert cell.data_type == "s" and cell.value == '\'=HYPERLINK("x")'
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
        assert sheets and not any(b"<f>" in archive.read(n) for n in sheets)
    # Uploading that template again keeps the name as it is (the apostrophe is not content).
    assert _upload(rat, content, opd_operator).unchanged == 2
    assert rat.matrix.get(code="P1.1.1").name == '=HYPERLINK("x")'


def test_an_xlsx_converted_by_libreoffice_from_a_csv_uploads(
    rat: Plan, opd_operator: User, tmp_path: Path
) -> None:
    # ./dev test installs LibreOffice (Debian's libreoffice-calc-nogui) for this test.
    soffice = shutil.which("libreoffice") or shutil.which("soffice")
    assert soffice is not None, "LibreOffice is needed: run the suite through ./dev test"
    row = rat.matrix.get(code="P1.1.1")
    values = {h: "" for h in HEADERS}
    values |= {
        "Kode": "P1.1.1",
        "Tingkat": "subkegiatan",
        "Kode Induk": "P1",
        "Nama": row.name,
        "Indikator": row.indicator,
        "Satuan": row.unit,
        "Arah": "naik",
        "Baseline": "1.000,5",
        "Target Tahun": "1300",
        "TW I": "300",
        "TW II": "600",
        "TW III": "900",
        "TW IV": "1300",
        "Anggaran (Rp)": "900000000000",
        "Sumber Dana": "APBD",
        "Kelompok Sasaran": "Desil 1–4",
        "Lokasi (kode kelurahan dipisah koma)": "31.72.01.1001, 31.73.04.1002",
        "Versi": str(row.lock_version),
    }
    source = tmp_path / "matriks.csv"
    with source.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADERS)
        writer.writerow([values[h] for h in HEADERS])
        writer.writerow([""] * len(HEADERS))
    subprocess.run(
        [
            soffice,
            f"-env:UserInstallation=file://{tmp_path}/profile",
            "--headless",
            "--infilter=CSV:44,34,76,1",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(source),
        ],
        check=True,
        timeout=180,
        capture_output=True,
    )

    result = _upload(rat, (tmp_path / "matriks.xlsx").read_bytes(), opd_operator)

    assert result.ok, [str(e) for e in result.errors]
    assert result.updated == 1
    saved = rat.matrix.get(code="P1.1.1")
    assert saved.target == Decimal("1300") and saved.baseline == Decimal("1000.5")
    assert sorted(r.pk for r in saved.locations.all()) == ["31.72.01.1001", "31.73.04.1002"]


# --- The page ------------------------------------------------------------------------------------


def _page(plan: Plan) -> str:
    return reverse("planning_excel:matrix_excel", args=[plan.pk])


def _download(plan: Plan) -> str:
    return reverse("planning_excel:matrix_template", args=[plan.pk])


def _file(content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("matriks.xlsx", content, content_type=XLSX_CONTENT_TYPE)


def test_an_outsider_is_refused_the_excel_page_and_the_template(
    rat: Plan, as_outsider: Client
) -> None:
    before = _state(rat)
    assert as_outsider.get(_page(rat)).status_code == 403
    dinsos = _org("Dinsos").pk
    assert as_outsider.get(_download(rat), {"opd": dinsos}).status_code == 403
    content = matrix_template(plan=rat, organisation=_org("Dinsos"))
    response = as_outsider.post(_page(rat), {"opd": dinsos, "file": _file(content)})
    assert response.status_code == 403
    assert _state(rat) == before
    assert not AuditEvent.objects.filter(action="planning.template_downloaded").exists()


def test_an_opd_operator_downloads_its_own_template_and_not_another_opds(
    rat: Plan, as_opd: Client, opd_operator: User
) -> None:
    page = as_opd.get(_page(rat))
    assert page.status_code == 200
    assert b"Dinas Sosial" in page.content and b"Dinas Pendidikan" not in page.content

    response = as_opd.get(_download(rat), {"opd": _org("Dinsos").pk})
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert "attachment" in response["Content-Disposition"]
    assert Sheet(response.content).codes() == ["P1", "P1.1.1"]
    event = AuditEvent.objects.get(action="planning.template_downloaded")
    assert event.actor == opd_operator and event.object_id == str(rat.pk)
    assert event.detail["opd"] == "Dinsos"
    # Without a choice, the operator's own OPD.
    assert Sheet(as_opd.get(_download(rat)).content).codes() == ["P1", "P1.1.1"]

    refused = as_opd.get(_download(rat), {"opd": _org("Disdik").pk})
    assert refused.status_code == 403
    assert AuditEvent.objects.filter(action="planning.template_downloaded").count() == 2


def test_the_secretariat_chooses_the_opd_of_the_template(rat: Plan, as_secretariat: Client) -> None:
    page = as_secretariat.get(_page(rat))
    assert page.status_code == 200
    assert b"Dinas Pendidikan" in page.content and b"Dinas Sosial" in page.content
    response = as_secretariat.get(_download(rat), {"opd": _org("Disdik").pk})
    assert response.status_code == 200
    sheet = Sheet(response.content)
    assert sheet.codes() == ["P2", "P2.1.1"]
    sheet.set(sheet.line_of("P2.1.1"), "Target Tahun", 1500)
    sheet.put(4, kode="P2.2", tingkat="kegiatan", kode_induk="P2", nama="Pendampingan sekolah")
    posted = as_secretariat.post(
        _page(rat), {"opd": _org("Disdik").pk, "file": _file(sheet.bytes())}
    )
    assert posted.status_code == 302
    assert rat.matrix.get(code="P2.1.1").target == Decimal("1500")
    assert rat.matrix.get(code="P2.2").opd == _org("Disdik")


def test_an_upload_through_the_page_shows_the_row_errors_and_applies_nothing(
    rat: Plan, as_opd: Client
) -> None:
    before = _state(rat)
    sheet = _template(rat)
    sheet.set(sheet.line_of("P1.1.1"), "Target Tahun", 1300)
    sheet.put(4, kode="P1.2", tingkat="kegiatan", kode_induk="P1", nama="Pendataan")
    sheet.set(4, "Target Tahun", "12x")

    response = as_opd.post(_page(rat), {"opd": _org("Dinsos").pk, "file": _file(sheet.bytes())})

    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="import-errors"' in html
    assert html.count('data-testid="import-error"') == 1
    assert "<td>4</td>" in html and "Target Tahun" in html and "&#x27;12x&#x27;" in html
    assert 'data-testid="upload-form"' in html  # the page stays, to upload again
    assert _state(rat) == before


def test_a_valid_upload_through_the_page_is_applied_and_counted(rat: Plan, as_opd: Client) -> None:
    sheet = _template(rat)
    sheet.set(sheet.line_of("P1.1.1"), "Target Tahun", 1300)
    sheet.put(4, kode="P1.2", tingkat="kegiatan", kode_induk="P1", nama="Pendataan")

    response = as_opd.post(
        _page(rat), {"opd": _org("Dinsos").pk, "file": _file(sheet.bytes())}, follow=True
    )

    assert response.redirect_chain == [(_page(rat), 302)]
    messages = [str(m) for m in response.context["messages"]]
    assert len(messages) == 1 and "1" in messages[0] and "Dinsos" in messages[0]
    assert rat.matrix.get(code="P1.1.1").target == Decimal("1300")
    assert rat.matrix.filter(code="P1.2", opd__acronym="Dinsos").exists()


def test_an_opd_operator_cannot_upload_through_the_page_for_another_opd(
    rat: Plan, as_opd: Client
) -> None:
    before = _state(rat)
    sheet = _template(rat, "Disdik")
    sheet.set(sheet.line_of("P2.1.1"), "Target Tahun", 1)
    response = as_opd.post(_page(rat), {"opd": _org("Disdik").pk, "file": _file(sheet.bytes())})
    assert response.status_code == 200  # the choice is not offered: a form error
    assert response.context["upload_form"].errors.keys() == {"opd"}
    assert 'data-testid="import-errors"' not in response.content.decode()
    assert _state(rat) == before


def test_the_page_of_a_plan_that_is_not_a_rat_is_not_found(
    rat: Plan, as_secretariat: Client
) -> None:
    rpkd = Plan.objects.get(kind=PlanKind.RPKD)
    assert as_secretariat.get(_page(rpkd)).status_code == 404


def test_row_error_reads_as_a_sentence_with_row_and_column() -> None:
    with translation.override("en"):
        assert str(RowError(7, "Target Tahun", "'12x' is not a number")) == (
            "Row 7, column Target Tahun: '12x' is not a number"
        )
        assert str(RowError(7, "", "x")) == "Row 7: x"
        assert str(RowError(None, "", "whole file")) == "whole file"
