"""The generated documents open: DOCX read back with python-docx, PDF text with pdftotext, one
page rendered with pdftoppm and kept in test-artifacts/."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import docx
import pytest
from django.core.management import CommandError, call_command

from tkpk.accounts.models import User
from tkpk.monitoring.models import Instrument
from tkpk.reports.models import PpkeQuestion
from tkpk.reports.services import ppke_answer_save, report_files_write, report_snapshot
from tkpk.reports.tests.conftest import YEAR

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(__file__).resolve().parents[3] / "test-artifacts"


def pdf_text(path: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def docx_parts(path: Path) -> tuple[list[str], list[list[list[str]]], int]:
    document = docx.Document(io.BytesIO(path.read_bytes()))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    tables = [[[c.text for c in row.cells] for row in t.rows] for t in document.tables]
    pictures = len(document.inline_shapes)
    return headings, tables, pictures


def test_the_quarterly_report_of_a_locked_quarter_shows_completeness_and_achievement(
    locked_q1: Instrument, tmp_path: Path
) -> None:
    docx_path, pdf_path = report_files_write(
        kind="quarterly", year=YEAR, quarter=1, out_dir=tmp_path
    )
    headings, tables, pictures = docx_parts(docx_path)
    assert headings[:2] == ["BAB 1. Pendahuluan", "BAB 2. Kelengkapan Pelaporan"]
    by_opd = next(t for t in tables if t[0][0] == "OPD" and "Predikat" in t[0])
    rows = {r[0]: r for r in by_opd[1:]}
    assert rows["Dinsos"][2] == "90,00" and rows["Disdik"][2] == "80,00"  # 270/300, 400/500
    assert "Tinggi" in rows["Dinsos"][3]
    assert pictures >= 3
    text = pdf_text(pdf_path)
    assert "Triwulan I Tahun 2028" in text and "Halaman 2 dari" in text
    assert "Kendala data Dinsos" in text  # the problems chapter
    ARTIFACTS.mkdir(exist_ok=True)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "3", "-l", "3", "-singlefile", str(pdf_path),
         str(ARTIFACTS / "reports-quarterly-page3")],
        check=True,
    )  # fmt: skip
    assert (ARTIFACTS / "reports-quarterly-page3.png").stat().st_size > 5000


def test_a_quarter_that_is_not_locked_is_refused(instrument: Instrument) -> None:
    with pytest.raises(Exception, match="dikunci|locked|kunci"):
        report_snapshot(kind="quarterly", year=YEAR, quarter=2)


def test_the_ppke_report_carries_the_letter_matriks_1_answers_and_matriks_2(
    locked_q1: Instrument, secretariat: User, tmp_path: Path
) -> None:
    question = PpkeQuestion.objects.order_by("order").first()
    assert question is not None
    ppke_answer_save(
        question=question, year=YEAR, quarter=1, by=secretariat, text="Sudah, SK 12/2028.",
        lock_version=0,
    )  # fmt: skip
    docx_path, pdf_path = report_files_write(kind="ppke", year=YEAR, quarter=1, out_dir=tmp_path)
    headings, tables, _pictures = docx_parts(docx_path)
    assert headings[0] == "BAB 1. Surat Pengantar"
    assert headings[1].startswith("BAB 2. Matriks 1") and headings[2].startswith("BAB 3. Matriks 2")
    matriks1 = next(t for t in tables if t[0] == ["No", "Pertanyaan", "Jawaban"])
    assert matriks1[1][2] == "Sudah, SK 12/2028."
    matriks2 = next(t for t in tables if "Pagu (Rp)" in t[0])
    total = next(r for r in matriks2 if r[2] == "JUMLAH")
    assert total[5] == "4.400.000.000.000" and total[11] == "1.200.000.000.000"
    text = pdf_text(pdf_path)
    assert "Menteri Dalam Negeri" in text and "JUMLAH" in text


def test_the_lp2kd_follows_the_outline_with_at_least_six_charts(
    locked_q1: Instrument, tmp_path: Path
) -> None:
    docx_path, pdf_path = report_files_write(
        kind="lp2kd", year=YEAR, quarter=None, out_dir=tmp_path,
        recommendations="Perluas KJP Plus ke desil 2.\nPerbaiki data KLJ.",
    )  # fmt: skip
    headings, tables, pictures = docx_parts(docx_path)
    titles = [h.split(". ", 1)[1] for h in headings if h.startswith("BAB")]
    assert titles[:6] == [
        "Pendahuluan",
        "Kondisi Makro Kemiskinan Daerah",
        "Kinerja Program Penanggulangan Kemiskinan",
        "Cakupan Data Sasaran Prioritas",
        "Permasalahan dan Tindak Lanjut",
        "Rekomendasi",
    ]
    assert pictures >= 5  # performance charts; macro charts come with BPS data
    klaster = next(t for t in tables if t[0][0] == "Klaster")
    assert klaster[1][0] == "Klaster 1" and klaster[1][2] == "21,25"  # (270/1200 + 400/2000)/2
    text = pdf_text(pdf_path)
    assert "Perluas KJP Plus ke desil 2." in text


def test_the_command_writes_both_files_and_fails_clearly_on_an_open_quarter(
    locked_q1: Instrument, tmp_path: Path
) -> None:
    call_command("report_generate", "quarterly", "--year", str(YEAR), "--quarter", "1",
                 "--out", str(tmp_path))  # fmt: skip
    assert (tmp_path / f"quarterly-{YEAR}-tw1.docx").stat().st_size > 0
    assert (tmp_path / f"quarterly-{YEAR}-tw1.pdf").read_bytes().startswith(b"%PDF")
    with pytest.raises(CommandError):
        call_command("report_generate", "ppke", "--year", str(YEAR), "--quarter", "2",
                     "--out", str(tmp_path))  # fmt: skip
