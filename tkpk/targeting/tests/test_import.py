from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl
import polars as pl
import pytest
from django.core.management import CommandError, call_command

from tkpk.targeting.models import ImportStatus, Release
from tkpk.targeting.nik_rules import nik_build
from tkpk.targeting.services import import_job_create, import_job_run, release_compare

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 9, 30)
HEADER = ["NIK", "NO_KK", "NAMA", "JK", "TGL_LAHIR", "KODE_KEL", "DESIL"]
MAPPING = {
    "NIK": "nik",
    "NO_KK": "kk",
    "NAMA": "name",
    "JK": "sex",
    "TGL_LAHIR": "birth_date",
    "KODE_KEL": "kelurahan_code",
    "DESIL": "desil",
}


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"


def _rows(n: int, *, desil: int = 3) -> list[list[str]]:
    rows = []
    for i in range(n):
        born = date(1960 + i % 40, 1 + i % 12, 1 + i % 28)
        female = i % 2 == 1
        rows.append(
            [
                nik_build(area="317304", born=born, female=female, serial=i + 1),
                f"31730401{i // 4:08d}",
                f"WARGA {i}",
                "P" if female else "L",
                born.isoformat(),
                "31.73.04.1002" if i % 3 else "3173041001",
                str(desil),
            ]
        )
    return rows


def _csv(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _import(path: Path, **kwargs: Any) -> Any:
    job = import_job_create(
        path=path, source="DTSEN", as_of=AS_OF, mapping=MAPPING, by=None, **kwargs
    )
    return import_job_run(job=job)


def test_a_valid_file_becomes_a_release_with_niks_kept_as_text(
    reference: None, tmp_path: Path
) -> None:
    rows = _rows(40)
    rows[0][0] = "9999999999999994"  # a placeholder: flagged, not rejected
    job = _import(_csv(tmp_path / "dtsen.csv", rows))
    assert job.status == ImportStatus.DONE, job.message
    release = job.release
    assert (release.persons, release.households, release.warning_rows) == (40, 10, 1)
    stored = pl.read_parquet(release.persons_path)
    assert stored.schema["nik"] == pl.String and stored["nik"][1] == rows[1][0]
    assert set(stored["kelurahan_code"]) == {"31.73.04.1002", "31.73.04.1001"}


def test_one_bad_row_in_the_middle_stores_nothing_and_is_reported(
    reference: None, tmp_path: Path
) -> None:
    rows = _rows(30)
    rows[14][6] = "12"  # desil out of range, sheet row 16
    job = _import(_csv(tmp_path / "bad.csv", rows))
    assert job.status == ImportStatus.REJECTED and job.error_rows == 1
    assert not Release.objects.exists()
    with Path(job.report_path).open(encoding="utf-8") as handle:
        report = list(csv.DictReader(handle))
    assert [(r["row"], r["rule"]) for r in report] == [("16", "desil_invalid")]


def test_importing_the_same_file_again_keeps_one_release(reference: None, tmp_path: Path) -> None:
    path = _csv(tmp_path / "dtsen.csv", _rows(12))
    first, second = _import(path), _import(path)
    assert first.release == second.release and Release.objects.count() == 1


def test_xlsx_and_parquet_files_import_like_csv(reference: None, tmp_path: Path) -> None:
    rows = _rows(8)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    for row in rows:
        sheet.append([int(v) if v.isdigit() and len(v) < 3 else v for v in row])
    book.save(tmp_path / "dtsen.xlsx")
    assert _import(tmp_path / "dtsen.xlsx").status == ImportStatus.DONE
    pl.DataFrame([dict(zip(HEADER, r, strict=True)) for r in rows]).write_parquet(
        tmp_path / "p3ke.parquet"
    )
    job = import_job_create(
        path=tmp_path / "p3ke.parquet", source="P3KE", as_of=AS_OF, mapping=MAPPING, by=None
    )
    assert import_job_run(job=job).status == ImportStatus.DONE


def test_a_formula_in_a_name_is_stored_as_text(reference: None, tmp_path: Path) -> None:
    rows = _rows(4)
    rows[2][2] = '=HYPERLINK("http://contoh")'
    job = _import(_csv(tmp_path / "x.csv", rows))
    stored = pl.read_parquet(job.release.persons_path)
    assert (
        stored["name"][2] == '=HYPERLINK("http://contoh")'
    )  # data as delivered; exports neutralise


def test_release_comparison_counts_added_removed_and_changed_households(
    reference: None, tmp_path: Path
) -> None:
    old = _import(_csv(tmp_path / "a.csv", _rows(16))).release
    rows = _rows(20)
    for row in rows[:4]:
        row[6] = "1"  # household 0 moves to desil 1
    rows = rows[4:] + rows[:4]
    del rows[0:4]  # household 1 leaves
    new = import_job_run(
        job=import_job_create(
            path=_csv(tmp_path / "b.csv", rows),
            source="DTSEN",
            as_of=date(2026, 12, 31),
            mapping=MAPPING,
            by=None,
        )
    ).release
    diff = release_compare(old=old, new=new)
    totals = diff.select(pl.col("added", "removed", "desil_changed").sum()).row(0)
    assert totals == (1, 1, 1)


def test_the_command_imports_and_fails_clearly(reference: None, tmp_path: Path) -> None:
    path = _csv(tmp_path / "dtsen.csv", _rows(6))
    maps = [f"--map={k}={v}" for k, v in MAPPING.items()]
    call_command("import_release", str(path), "--source", "DTSEN", "--as-of", "2026-09-30", *maps)
    assert Release.objects.count() == 1
    rows = _rows(6)
    rows[3][0] = "12345"
    with pytest.raises(CommandError, match="rejected"):
        call_command(
            "import_release",
            str(_csv(tmp_path / "bad.csv", rows)),
            "--source",
            "DTSEN",
            "--as-of",
            "2026-09-30",
            *maps,
        )
