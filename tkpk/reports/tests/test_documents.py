"""The generated documents open: DOCX read back with python-docx, PDF text with pdftotext, one
page rendered with pdftoppm and kept in test-artifacts/."""

from __future__ import annotations

import io
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from django.core.management import CommandError, call_command
from docx.oxml.ns import qn

from tkpk.accounts.models import User
from tkpk.monitoring.models import Instrument
from tkpk.monitoring.services_reports import period_lock, report_verify
from tkpk.monitoring.services_reports import report_submit as monitoring_submit
from tkpk.monitoring.tests.factories import fill, open_quarter, report_of
from tkpk.reports.charts import chart_png, id_label, tick_formatter, unit_places
from tkpk.reports.models import PpkeQuestion
from tkpk.reports.services import ppke_answer_save, report_files_write, report_snapshot
from tkpk.reports.tests.conftest import YEAR
from tkpk.targeting.tests.factories import release_make

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
    document = docx.Document(io.BytesIO(docx_path.read_bytes()))
    languages = document.styles.element.findall(".//" + qn("w:lang"))
    assert languages and {x.get(qn("w:val")) for x in languages} == {"id-ID"}
    instructions = [x.text for x in document.element.body.iter(qn("w:instrText"))]
    assert any(x.startswith("TOC ") for x in instructions)  # the DAFTAR ISI field
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


def test_macro_values_carry_their_year_and_indonesian_decimals_in_the_lp2kd(
    locked_q1: Instrument,
) -> None:
    from tkpk.evaluation.models import MacroIndicator, MacroValue  # noqa: PLC0415
    from tkpk.regions.models import Region  # noqa: PLC0415

    province = Region.objects.filter(level="provinsi").first()
    people = MacroIndicator.objects.get(code="extreme_poor_population")
    for year, value in ((2022, "501920.0000"), (YEAR - 1, "95668.0000")):
        MacroValue.objects.create(
            indicator=people, region=province, year=year, period="Maret", month=3,
            value=Decimal(value), source="BPS",
        )  # fmt: skip
    snapshot = report_snapshot(kind="lp2kd", year=YEAR)
    blocks = [b for c in snapshot["chapters"] for b in c["blocks"]]
    macro = next(b for b in blocks if b["type"] == "table" and "Periode" in b["header"])
    row = next(r for r in macro["rows"] if r[0] == people.name)
    assert row[2] == f"Maret {YEAR - 1}" and row[3] == "95.668"


def test_chart_labels_and_ticks_use_indonesian_numbers_with_the_units_decimals() -> None:
    assert id_label(501920.0, unit_places("jiwa", [501920.0, 498290.0])) == "501.920"
    assert id_label(4.72, unit_places("persen", [4.72])) == "4,72"
    assert id_label(0.441, unit_places("rasio", [0.441, 0.4])) == "0,441"
    assert tick_formatter(whole=True).format_ticks([0.0, 250000.0, 500000.0]) == [
        "0",
        "250.000",
        "500.000",
    ]
    assert tick_formatter(whole=False).format_ticks([4.0, 4.1, 4.2]) == ["4,0", "4,1", "4,2"]
    png = chart_png(
        {"chart": "line", "labels": ["Maret 2022"], "series": [{"name": "x", "values": [1.5]}],
         "unit": "jiwa"}
    )  # fmt: skip
    assert png.startswith(b"\x89PNG")


def test_the_lp2kd_lists_a_problem_reported_in_two_quarters_once_with_its_quarters(
    locked_q1: Instrument,
    secretariat: User,
    opd_operator: User,
    other_opd_operator: User,
    tmp_path: Path,
) -> None:
    q2 = open_quarter(locked_q1, 2)
    q2_figures = {"Dinsos": ("300", 300, opd_operator), "Disdik": ("450", 1000, other_opd_operator)}
    for acronym, (physical, billions, user) in q2_figures.items():
        fill(report_of(q2, acronym), user, physical=physical, budget=billions * 10**9,
             problems=f"Kendala data {acronym}", explanation="Sesuai jadwal.")  # fmt: skip
        monitoring_submit(report=report_of(q2, acronym), by=user)
        report_verify(report=report_of(q2, acronym), by=secretariat, decision="accept")
    period_lock(period=q2, by=secretariat)
    release_make(tmp_path, persons=60, beneficiaries=10, as_of=date(2026, 9, 30))
    snapshot = report_snapshot(kind="lp2kd", year=YEAR)
    blocks = [b for c in snapshot["chapters"] for b in c["blocks"]]
    problems = next(b for b in blocks if b["type"] == "table" and "Permasalahan" in b["header"])
    assert problems["header"][2] == "Triwulan"
    dinsos = [r for r in problems["rows"] if r[0] == "Dinsos"]
    assert len(dinsos) == 1 and dinsos[0][2] == "TW\u00a0I, TW\u00a0II"
    assert dinsos[0][3] == "Kendala data Dinsos"
    texts = " ".join(b["text"] for b in blocks if b["type"] == "p")
    assert "per 30 September 2026" in texts and "30-09-2026" not in texts
