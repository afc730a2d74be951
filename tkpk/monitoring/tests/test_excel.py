"""The Excel round trip of a quarterly report: download pre-filled, fill offline, upload; the
whole file is checked and applied only when every line is valid."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from conftest import login
from tkpk.accounts.models import User
from tkpk.core.roles import Role
from tkpk.monitoring import excel
from tkpk.monitoring.models import Instrument, QuarterReport, ValueChange
from tkpk.monitoring.services_reports import report_value_save
from tkpk.monitoring.tests import factories
from tkpk.monitoring.tests.factories import (
    instrument_published,
    open_quarter,
    report_of,
    user_with_role,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_row_instrument(
    monkeypatch: pytest.MonkeyPatch,
    reference: None,
    secretariat: User,
    opd_operator: User,
    other_opd_operator: User,
) -> Instrument:
    rows = [
        *factories.ROWS,
        ("P3", "Dinsos", "Lansia penerima ATENSI", "higher", ["50", "100", "150", "200"], "40"),
    ]
    monkeypatch.setattr(factories, "ROWS", rows)
    return instrument_published(
        secretariat=secretariat,
        ketua=user_with_role("hendra", Role.KETUA),
        operators={"Dinsos": opd_operator, "Disdik": other_opd_operator},
    )


def _download(client: Any, report: QuarterReport) -> openpyxl.Workbook:
    response = client.get(reverse("monitoring:report_xlsx", args=[report.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == excel.XLSX_CONTENT_TYPE
    return openpyxl.load_workbook(io.BytesIO(response.content))


def _columns(sheet: Any) -> dict[str, int]:
    return {cell.value: cell.column for cell in sheet[1] if cell.value}


def _line(sheet: Any, code: str) -> int:
    columns = _columns(sheet)
    for row in range(2, sheet.max_row + 1):
        if sheet.cell(row=row, column=columns["Kode"]).value == code:
            return row
    raise AssertionError(code)


def _set(sheet: Any, code: str, **cells: Any) -> None:
    columns, line = _columns(sheet), _line(sheet, code)
    for header, content in cells.items():
        sheet.cell(row=line, column=columns[header.replace("_", " ")], value=content)


def _bytes(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _upload(client: Any, report: QuarterReport, content: bytes, name: str = "laporan.xlsx") -> Any:
    return client.post(
        reverse("monitoring:report_upload", args=[report.pk]),
        {"file": SimpleUploadedFile(name, content, content_type=excel.XLSX_CONTENT_TYPE)},
    )


def test_the_template_holds_the_rows_targets_read_only_and_hidden_ids(
    instrument: Instrument, opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    value = report.values.get()
    sheet = _download(login(opd_operator), report)[excel.SHEET]
    columns = _columns(sheet)
    line = _line(sheet, "P1.1.1")
    assert sheet.cell(row=line, column=columns["ID"]).value == value.pk
    assert sheet.cell(row=line, column=columns["Versi"]).value == value.lock_version
    assert sheet.cell(row=line, column=columns["Target TW"]).value == 300
    assert sheet.column_dimensions[openpyxl.utils.get_column_letter(columns["ID"])].hidden
    assert sheet.protection.sheet
    assert sheet.cell(row=line, column=columns["Target TW"]).protection.locked
    assert not sheet.cell(row=line, column=columns["Realisasi Fisik"]).protection.locked
    assert _line(sheet, "P1.1.1") == 2 and sheet.max_row == 2  # only Dinsos's row


def test_a_filled_template_uploads_and_its_values_are_saved_with_history(
    instrument: Instrument, opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    client = login(opd_operator)
    workbook = _download(client, report)
    _set(
        workbook[excel.SHEET],
        "P1.1.1",
        Realisasi_Fisik=280,
        **{
            "Realisasi Anggaran (Rp)": "150.000.000",
            "Penerima Manfaat": 280,
            "Desil 1": 200,
            "Desil 2": 80,
            "Perempuan": 150,
            "Permasalahan": "Data terlambat",
        },
    )
    response = _upload(client, report, _bytes(workbook))
    assert response.status_code == 302
    value = report.values.get()
    assert value.physical == 280 and value.budget == 150_000_000
    assert value.beneficiaries_by_desil == {"1": 200, "2": 80}
    assert value.beneficiaries_by_sex == {"P": 150}
    assert value.problems == "Data terlambat" and str(value.achievement) == "93.33"
    fields = set(ValueChange.objects.filter(value=value).values_list("field", flat=True))
    assert {"physical", "budget", "problems", "beneficiaries_by_desil"} <= fields
    again = _download(client, report)[excel.SHEET]
    assert again.cell(row=2, column=_columns(again)["Realisasi Fisik"]).value == 280


def test_an_upload_with_one_bad_line_applies_nothing_and_names_that_line(
    two_row_instrument: Instrument, opd_operator: User
) -> None:
    report = report_of(open_quarter(two_row_instrument, 1), "Dinsos")
    client = login(opd_operator)
    workbook = _download(client, report)
    sheet = workbook[excel.SHEET]
    _set(sheet, "P1.1.1", Realisasi_Fisik=280, **{"Realisasi Anggaran (Rp)": 1000})
    _set(sheet, "P3.1.1", Realisasi_Fisik=-5, **{"Realisasi Anggaran (Rp)": 1000})
    bad_line = _line(sheet, "P3.1.1")
    response = _upload(client, report, _bytes(workbook))
    assert response.status_code == 400
    assert b'data-testid="import-errors" data-count="1"' in response.content
    assert f'data-row="{bad_line}"'.encode() in response.content
    assert report.values.filter(physical__isnull=False).count() == 0
    assert not ValueChange.objects.exists()


def test_unknown_codes_non_numbers_breakdowns_and_rows_of_another_opd_are_each_listed(
    two_row_instrument: Instrument, opd_operator: User
) -> None:
    period = open_quarter(two_row_instrument, 1)
    report = report_of(period, "Dinsos")
    foreign = report_of(period, "Disdik").values.get()
    client = login(opd_operator)
    workbook = _download(client, report)
    sheet = workbook[excel.SHEET]
    _set(sheet, "P1.1.1", Realisasi_Fisik="dua ratus")
    _set(sheet, "P3.1.1", **{"Penerima Manfaat": 10, "Desil 1": 50})
    columns = _columns(sheet)
    for header, content in {"ID": foreign.pk, "Versi": 0, "Kode": "P2.1.1"}.items():
        sheet.cell(row=4, column=columns[header], value=content)
    sheet.cell(row=4, column=columns["Realisasi Fisik"], value=1)
    sheet.cell(row=5, column=columns["Versi"], value=0)
    sheet.cell(row=5, column=columns["Kode"], value="X9.9.9")
    sheet.cell(row=5, column=columns["Realisasi Fisik"], value=1)
    response = _upload(client, report, _bytes(workbook))
    assert response.status_code == 400
    errors = response.context["import_result"].errors
    assert sorted(e.row for e in errors) == [2, 3, 4, 5]
    foreign.refresh_from_db()
    assert foreign.physical is None
    assert not ValueChange.objects.exists()


def test_a_row_changed_after_the_download_refuses_the_upload(
    instrument: Instrument, opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    client = login(opd_operator)
    workbook = _download(client, report)
    value = report.values.get()
    report_value_save(
        value=value, by=opd_operator, lock_version=value.lock_version, data={"physical": "10"}
    )
    _set(workbook[excel.SHEET], "P1.1.1", Realisasi_Fisik=999)
    response = _upload(client, report, _bytes(workbook))
    assert response.status_code == 400
    [error] = response.context["import_result"].errors
    assert error.row == 2 and error.column == "Versi"
    value.refresh_from_db()
    assert value.physical == 10


def test_another_opd_cannot_upload_into_the_report(
    instrument: Instrument, opd_operator: User, other_opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    workbook = _download(login(opd_operator), report)
    _set(workbook[excel.SHEET], "P1.1.1", Realisasi_Fisik=1)
    assert _upload(login(other_opd_operator), report, _bytes(workbook)).status_code == 404
    assert report.values.get().physical is None


def test_a_formula_typed_in_a_text_cell_comes_back_inert_in_the_next_download(
    instrument: Instrument, opd_operator: User
) -> None:
    report = report_of(open_quarter(instrument, 1), "Dinsos")
    client = login(opd_operator)
    workbook = _download(client, report)
    formula = '=HYPERLINK("http://contoh.invalid/","klik")'
    _set(workbook[excel.SHEET], "P1.1.1", Permasalahan=formula)
    assert _upload(client, report, _bytes(workbook)).status_code == 302
    assert report.values.get().problems == formula  # kept as text, never evaluated
    sheet = _download(client, report)[excel.SHEET]
    cell = sheet.cell(row=2, column=_columns(sheet)["Permasalahan"])
    assert cell.data_type == "s" and cell.value == "'" + formula


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_an_xlsx_written_by_libreoffice_uploads_correctly(
    two_row_instrument: Instrument, opd_operator: User, tmp_path: Path
) -> None:
    report = report_of(open_quarter(two_row_instrument, 1), "Dinsos")
    values = {v.row.code: v for v in report.values.select_related("row")}
    headers = [c.header for c in excel.COLUMNS]
    path = tmp_path / "laporan.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers)
        for code, physical, budget, problems in (
            ("P1.1.1", "280", "150000000", "Data terlambat"),
            ("P3.1.1", "45", "2500000", ""),
        ):
            row = dict.fromkeys(headers, "")
            row |= {
                "ID": str(values[code].pk),
                "Versi": str(values[code].lock_version),
                "Kode": code,
                "Realisasi Fisik": physical,
                "Realisasi Anggaran (Rp)": budget,
                "Penerima Manfaat": "40",
                "Desil 1": "25",
                "Laki-laki": "20",
                "Permasalahan": problems,
            }
            writer.writerow([row[h] for h in headers])
    profile = tmp_path / "profile"
    subprocess.run(  # noqa: S603 (fixed arguments, a file we wrote)
        [
            str(shutil.which("soffice")),
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "xlsx",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        check=True,
        capture_output=True,
        timeout=180,
    )
    converted = (tmp_path / "laporan.xlsx").read_bytes()
    assert b"LibreOffice" in converted or b"docProps/app.xml" in converted
    response = _upload(login(opd_operator), report, converted)
    assert response.status_code == 302, response.context and response.context["import_result"]
    p1, p3 = (report.values.get(row__code=c) for c in ("P1.1.1", "P3.1.1"))
    assert (p1.physical, p1.budget, p1.problems) == (280, 150_000_000, "Data terlambat")
    assert (p3.physical, p3.budget, p3.beneficiaries) == (45, 2_500_000, 40)
    assert p3.beneficiaries_by_desil == {"1": 25} and p3.beneficiaries_by_sex == {"L": 20}
