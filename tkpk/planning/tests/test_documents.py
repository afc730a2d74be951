"""The plan documents are opened and read back: DOCX with python-docx, PDF with poppler's
pdftotext / pdfinfo / pdftoppm, XLSX with openpyxl."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.table import Table
from PIL import Image

from tkpk.accounts.models import User
from tkpk.planning.demo import demo_plans_load
from tkpk.planning.documents import (
    html_blocks,
    id_number,
    plan_docx,
    plan_html,
    plan_pdf,
    plan_xlsx,
)
from tkpk.planning.models import MatrixRow, Plan, PlanKind
from tkpk.planning.services import matrix_row_save, plan_create, section_save

pytestmark = pytest.mark.django_db
ARTIFACTS = Path(settings.BASE_DIR) / "test-artifacts"
D = Decimal
RPKD_CHAPTERS = [
    "BAB I PENDAHULUAN",
    "BAB II KONDISI UMUM DAERAH",
    "BAB III PROFIL KEMISKINAN DAERAH",
    "BAB IV GAMBARAN KEUANGAN DAERAH",
    "BAB V PERMASALAHAN PEMBANGUNAN",
    "BAB VI PENELAAHAN DOKUMEN PERENCANAAN",
    "BAB VII TUJUAN, SASARAN, STRATEGI DAN ARAH KEBIJAKAN",
    "BAB VIII PROGRAM PENANGGULANGAN KEMISKINAN",
    "BAB IX PRIORITAS PROGRAM DAN LOKASI PRIORITAS",
    "BAB X PROFIL RISIKO",
    "BAB XI PENUTUP",
]
RAT_CHAPTERS = [
    "BAB I PENDAHULUAN",
    "BAB II PENELAAHAN DOKUMEN PERENCANAAN",
    "BAB III HASIL PEMANTAUAN DAN EVALUASI TAHUN SEBELUMNYA DAN TAHUN BERJALAN",
    "BAB IV STRATEGI DAN ARAH KEBIJAKAN BERDASARKAN RPKD",
    "BAB V MATRIKS SASARAN KEBERHASILAN",
    "BAB VI REKAPITULASI ANGGARAN PER PERANGKAT DAERAH",
    "BAB VII PENUTUP",
]


@pytest.fixture
def plans(reference: None) -> dict[str, Plan]:
    assert demo_plans_load() == 3
    return {
        "rpkd": Plan.objects.get(kind=PlanKind.RPKD),
        "rat26": Plan.objects.get(kind=PlanKind.RAT, year_start=2026),
        "rat27": Plan.objects.get(kind=PlanKind.RAT, year_start=2027),
    }


def _edit_row(plan: Plan, code: str, by: User | None, **data: Any) -> MatrixRow:
    row = plan.matrix.get(code=code)
    return matrix_row_save(plan=plan, by=by, row=row, lock_version=row.lock_version, data=data)


def _docx(plan: Plan) -> Any:
    return Document(io.BytesIO(plan_docx(plan=plan)))


def _table_with(doc: Any, header: str) -> Table:
    return next(t for t in doc.tables if header in [c.text for c in t.rows[0].cells])


def _row(table: Table, first: str) -> list[str]:
    return next([c.text for c in r.cells] for r in table.rows if r.cells[0].text == first)


def _headings(doc: Any) -> list[str]:
    return [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]


def _run(*args: str) -> str:
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def test_numbers_are_written_the_indonesian_way() -> None:
    assert id_number(D("1234567")) == "1.234.567"
    assert id_number(D("900000000000.00")) == "900.000.000.000"
    assert id_number(D("1234.5000")) == "1.234,50"
    assert id_number(D("4.3000")) == "4,30"
    assert id_number(D("0.1234")) == "0,1234"
    assert id_number(D("3.5"), places=0) == "4"
    assert id_number(None) == "-"


def test_section_html_keeps_paragraphs_lists_emphasis_and_tables_and_drops_the_rest() -> None:
    blocks = html_blocks(
        '<h2>Judul</h2><p class="x" onclick="steal()">Satu <strong>dua</strong> <em>tiga</em>'
        "</p><script>alert(1)</script><style>p{}</style><ul><li>a<ul><li>b</li></ul></li></ul>"
        "<ol><li>x</li><li>y</li></ol><table><tr><th>H</th></tr><tr><td>=1+1</td></tr></table>"
        '<iframe src="https://evil.example">jahat</iframe>loose <b>text'
    )
    assert [b.kind for b in blocks] == ["p", "p", "ul", "ol", "grid", "p"]
    assert [(r.text, r.bold) for r in blocks[0].runs] == [("Judul", True)]
    assert [(r.text, r.bold, r.italic) for r in blocks[1].runs] == [
        ("Satu ", False, False),
        ("dua", True, False),
        (" ", False, False),
        ("tiga", False, True),
    ]
    assert [(i.depth, i.runs[0].text) for i in blocks[2].items] == [(0, "a"), (1, "b")]
    assert [i.number for i in blocks[3].items] == [1, 2]
    assert blocks[4].rows[0].header and blocks[4].rows[1].cells[0][0].text == "=1+1"
    text = repr(blocks)
    assert "alert" not in text and "steal" not in text and "jahat" not in text
    assert "evil" not in text and "p{}" not in text


def test_the_rpkd_docx_has_a_cover_a_contents_field_and_the_chapters_in_order(
    plans: dict[str, Plan],
) -> None:
    doc = _docx(plans["rpkd"])
    texts = [p.text for p in doc.paragraphs]
    cover = texts[: texts.index("DAFTAR ISI")]
    assert "RPKD Provinsi DKI Jakarta 2025–2029" in cover and "Periode 2025–2029" in cover
    assert "Tim Koordinasi Penanggulangan Kemiskinan Provinsi DKI Jakarta" in cover
    assert "Ditetapkan dengan Kepgub 123 Tahun 2025 tanggal 15 Mei 2025" in cover
    # a real TOC field, whose stored result already lists the chapters
    body = doc.element.body.xml
    assert 'TOC \\o "1-2"' in body and body.count('w:fldCharType="begin"') == 1
    contents = texts.index("DAFTAR ISI") + 1
    assert texts[contents : contents + len(RPKD_CHAPTERS)] == RPKD_CHAPTERS
    assert _headings(doc) == RPKD_CHAPTERS
    assert any("4,30 persen" in t for t in texts)  # section HTML as Word paragraphs

    targets = _table_with(doc, "Tujuan / Indikator Sasaran")
    assert _row(targets, "T1.1") == [
        "T1.1",
        "Persentase penduduk miskin (P0)",
        "persen",
        "Menurun",
        "4,30 (2024)",
        "4,20",
        "4,00",
        "3,80",
        "3,60",
        "3,40",
    ]
    programmes = _table_with(doc, "Total (Rp)")
    assert _row(programmes, "P2")[-2:] == ["3.500.000.000.000", "17.500.000.000.000"]
    assert _row(programmes, "")[-1] == "26.900.000.000.000"  # the total row
    locations = _table_with(doc, "Kota Administrasi")
    assert _row(locations, "1")[2:4] == ["Penjaringan", "Kota Administrasi Jakarta Utara"]
    assert _row(_table_with(doc, "Mitigasi"), "1")[1] == "Data sasaran tidak mutakhir"
    programme_section = next(
        s
        for s in doc.sections
        if any(getattr(t, "_tbl", None) is programmes._tbl for t in s.iter_inner_content())
    )
    assert programme_section.orientation == WD_ORIENT.LANDSCAPE
    # two target trajectories and the budget per OPD, as PNG pictures
    assert len(doc.inline_shapes) == 3
    images = [p for p in doc.part.package.parts if p.content_type == "image/png"]
    assert len(images) == 3 and all(p.blob.startswith(b"\x89PNG") for p in images)
    footer = doc.sections[0].footer.paragraphs[0]
    assert footer.text.startswith("Halaman ") and "NUMPAGES" in footer._p.xml


def test_the_rat_docx_shows_an_edited_target_in_the_landscape_matrix(
    plans: dict[str, Plan], secretariat: User
) -> None:
    rat = plans["rat27"]
    _edit_row(rat, "P1.1.1", secretariat, target=D("1234.5"), target_q4=D("1234.5"))
    _edit_row(rat, "P3.1.1", secretariat, budget=D("1234567"))
    doc = _docx(rat)
    assert _headings(doc) == RAT_CHAPTERS
    assert "Tahap: Rancangan awal" in [p.text for p in doc.paragraphs]

    matrix = _table_with(doc, "TW IV")
    cells = _row(matrix, "P1.1.1")
    assert cells[4:9] == ["1.234,50", "300,00", "600,00", "900,00", "1.234,50"]
    assert cells[9] == "900.000.000.000" and cells[11] == "Dinsos"
    assert cells[13] == "Penjaringan, Tanjung Priok"
    assert _row(matrix, "P3.1.1")[9] == "1.234.567"
    # programme rows bold at the margin, sub-activities indented
    programme = next(r for r in matrix.rows if r.cells[0].text == "P1")
    child = next(r for r in matrix.rows if r.cells[0].text == "P1.1.1")
    assert programme.cells[1].paragraphs[0].runs[0].bold
    assert child.cells[1].paragraphs[0].paragraph_format.left_indent > 0
    assert "w:tblHeader" in matrix.rows[0]._tr.xml  # the header repeats on every page

    by_section = [
        (s.orientation, [getattr(i, "_tbl", None) for i in s.iter_inner_content()])
        for s in doc.sections
    ]
    assert [o for o, _ in by_section] == [
        WD_ORIENT.PORTRAIT,
        WD_ORIENT.LANDSCAPE,
        WD_ORIENT.PORTRAIT,
    ]
    landscape = by_section[1][1]
    assert matrix._tbl in landscape
    assert doc.sections[1].page_width > doc.sections[1].page_height

    recap = _table_with(doc, "Persentase (%)")
    assert _row(recap, "1")[1:] == ["Dinas Pendidikan (Disdik)", "3.500.000.000.000", "65,06"]
    assert _row(recap, "")[2:] == ["5.380.000.000.000", "100,00"]
    assert len(doc.inline_shapes) == 1  # the budget per OPD


def test_section_html_reaches_word_as_paragraphs_lists_and_tables_without_markup(
    plans: dict[str, Plan], secretariat: User
) -> None:
    rat = plans["rat27"]
    section = rat.sections.get(key="pendahuluan")
    section_save(
        section=section,
        body='<p>Latar <strong>belakang</strong> <em>RAT</em></p><script>alert("x")</script>'
        "<ul><li>Satu</li><li>Dua</li></ul><ol><li>Pertama</li></ol>"
        "<table><tr><th>Kolom</th></tr><tr><td>Isi sel</td></tr></table>"
        '<img src="x" onerror="alert(2)"><p onclick="x()">Akhir</p>',
        lock_version=section.lock_version,
        by=secretariat,
    )
    doc = _docx(rat)
    paragraphs = [p for p in doc.paragraphs if p.text]
    start = next(i for i, p in enumerate(paragraphs) if p.style.name == "Heading 1")
    chapter = paragraphs[start + 1 : start + 6]
    assert [p.text for p in chapter] == [
        "Latar belakang RAT",
        "Satu",
        "Dua",
        "1.\tPertama",
        "Akhir",
    ]
    runs = {r.text: r for r in chapter[0].runs}
    assert runs["belakang"].bold and runs["RAT"].italic and not runs["Latar "].bold
    assert chapter[1].style.name == "List Bullet"
    grid = _table_with(doc, "Kolom")
    assert grid.rows[1].cells[0].text == "Isi sel"
    assert grid.rows[0].cells[0].paragraphs[0].runs[0].bold
    assert "alert" not in doc.element.body.xml

    html = plan_html(plan=rat)
    assert "<strong>belakang</strong>" in html and "<em>RAT</em>" in html
    for unsafe in ("<script", "alert", "onerror", "onclick", '<img src="x"'):
        assert unsafe not in html


def test_the_rat_pdf_has_chapters_numbers_page_numbers_and_a_landscape_matrix_page(
    plans: dict[str, Plan], secretariat: User, tmp_path: Path
) -> None:
    rat = plans["rat27"]
    _edit_row(rat, "P1.1.1", secretariat, target=D("1234.5"), target_q4=D("1234.5"))
    pdf = tmp_path / "plan.pdf"
    pdf.write_bytes(plan_pdf(plan=rat))
    pages = _run("pdftotext", str(pdf), "-").split("\f")
    text = " ".join(" ".join(pages).split())
    contents = re.findall(r"^(BAB [IVX]+ .+?) ?\.+ (\d+)$", pages[1], flags=re.MULTILINE)
    assert [title for title, _page in contents] == RAT_CHAPTERS
    assert "MATRIKS SASARAN KEBERHASILAN" in text and "1.234,50" in text
    assert "5.380.000.000.000" in text and "Halaman 2 dari" in text
    assert "Ditetapkan" not in text and "Tahap: Rancangan awal" in text

    sizes = re.findall(
        r"Page\s+\d+ size:\s+([\d.]+) x ([\d.]+)",
        _run("pdfinfo", "-f", "1", "-l", str(len(pages)), str(pdf)),
    )
    matrix_page = next(i for i, page in enumerate(pages) if "TW III" in page)
    assert contents[4][1] == str(matrix_page + 1)  # the contents give the right page
    width, height = map(float, sizes[matrix_page])
    assert width > height  # the matrix is on a landscape page ...
    assert float(sizes[0][0]) < float(sizes[0][1])  # ... the cover is portrait
    assert "Halaman " in pages[matrix_page]

    _run("pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "2", str(pdf), str(tmp_path / "p"))
    images = sorted(tmp_path.glob("p-*.png"))
    assert len(images) == 2
    with Image.open(images[0]) as cover:
        ink = sum(cover.convert("L").point(lambda v: 255 if v < 128 else 0).histogram()[255:])
        assert cover.width < cover.height and ink > 500  # a portrait page with text on it
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copy(images[0], ARTIFACTS / "plan-rat-2027-p1.png")
    page = str(matrix_page + 1)
    _run(
        "pdftoppm",
        "-png",
        "-r",
        "50",
        "-f",
        page,
        "-l",
        page,
        "-singlefile",
        str(pdf),
        str(ARTIFACTS / "plan-rat-2027-matrix"),
    )


def test_the_rpkd_pdf_carries_the_charts_and_the_programme_budgets(
    plans: dict[str, Plan], tmp_path: Path
) -> None:
    pdf = tmp_path / "rpkd.pdf"
    pdf.write_bytes(plan_pdf(plan=plans["rpkd"]))
    text = " ".join(_run("pdftotext", str(pdf), "-").split())
    assert "PROFIL RISIKO" in text and "17.500.000.000.000" in text
    assert "Ditetapkan dengan Kepgub 123 Tahun 2025 tanggal 15 Mei 2025" in text
    assert "Gambar 1. Trajektori sasaran T1.1" in text
    listing = _run("pdfimages", "-list", str(pdf)).splitlines()[2:]
    assert len([line for line in listing if " image " in line]) >= 3


def test_the_rat_xlsx_has_numbers_as_numbers_codes_as_text_and_inert_formula_text(
    plans: dict[str, Plan], secretariat: User
) -> None:
    rat = plans["rat27"]
    _edit_row(rat, "P1.1.1", secretariat, target_group='=HYPERLINK("http://x.example","klik")')
    _edit_row(rat, "P2.1.1", secretariat, budget=D("1234567.50"))
    content = plan_xlsx(plan=rat)
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == ["Matriks 2027", "Rekap OPD"]
    sheet = book["Matriks 2027"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Level", "Kode", "Program / Kegiatan / Sub Kegiatan"]
    assert header[7] == "Target 2027" and header[12] == "Anggaran (Rp)"
    assert all(c.font.b for c in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == f"A1:S{sheet.max_row}"
    assert sheet.column_dimensions["C"].width > 40
    rows = {r[1].value: r for r in sheet.iter_rows(min_row=2)}
    assert list(rows)[:3] == ["P1", "P1.1.1", "P2"]  # programme, then its sub-activities
    row = rows["P1.1.1"]
    assert row[1].data_type == "s" and row[1].number_format == "@"
    assert row[7].value == 1200 and row[7].data_type == "n"
    assert rows["P2.1.1"][12].value == 1234567.5 and rows["P2.1.1"][12].data_type == "n"
    assert rows["P2.1.1"][12].number_format == "#,##0"
    assert row[15].value == '\'=HYPERLINK("http://x.example","klik")'
    assert row[15].data_type == "s"
    assert row[16].value == "Penjaringan, Tanjung Priok"
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
    recap = {r[0].value: r[1].value for r in book["Rekap OPD"].iter_rows(min_row=2)}
    assert recap["Disdik"] == 3_500_000_000_000


def test_the_rpkd_xlsx_lists_programmes_with_yearly_budgets_and_the_targets(
    plans: dict[str, Plan],
) -> None:
    book = openpyxl.load_workbook(io.BytesIO(plan_xlsx(plan=plans["rpkd"])))
    programmes = book["Program"]
    assert [c.value for c in programmes[1]][-2:] == ["2029 (Rp)", "Total (Rp)"]
    p2 = next(r for r in programmes.iter_rows(min_row=2) if r[0].value == "P2")
    assert p2[2].value == 1 and p2[6].value == 3_500_000_000_000 and p2[-1].value == 17.5e12
    targets = book["Sasaran"]
    t11 = next(r for r in targets.iter_rows(min_row=2) if r[1].value == "T1.1")
    assert [c.value for c in t11[5:]] == [4.3, 2024, 4.2, 4, 3.8, 3.6, 3.4]


def test_plan_export_writes_each_format_and_takes_the_newest_plan(
    plans: dict[str, Plan], tmp_path: Path
) -> None:
    magic = {"docx": b"PK", "pdf": b"%PDF", "xlsx": b"PK"}
    for fmt, start in magic.items():
        out = tmp_path / f"rat.{fmt}"
        call_command(
            "plan_export", "rat", "2027", "--format", fmt, "--out", str(out), stdout=io.StringIO()
        )
        assert out.read_bytes().startswith(start)
    assert "RAT Provinsi DKI Jakarta 2027" in [
        p.text for p in Document(tmp_path / "rat.docx").paragraphs
    ]

    plan_create(
        kind=PlanKind.RPKD,
        title="RPKD Provinsi DKI Jakarta 2025–2029 (Perubahan)",
        year_start=2025,
        year_end=2029,
    )
    out = tmp_path / "rpkd.docx"
    call_command(
        "plan_export", "rpkd", "2028", "--format", "docx", "--out", str(out), stdout=io.StringIO()
    )
    cover = [p.text for p in Document(out).paragraphs]
    assert "RPKD Provinsi DKI Jakarta 2025–2029 (Perubahan)" in cover


def test_plan_export_fails_clearly_for_a_year_without_a_plan(
    plans: dict[str, Plan], tmp_path: Path
) -> None:
    with pytest.raises(CommandError, match="no RAT covers 2031"):
        call_command("plan_export", "rat", "2031", "--out", str(tmp_path / "x.pdf"))
    with pytest.raises(CommandError, match="no RPKD covers 2030"):
        call_command("plan_export", "rpkd", "2030", "--format", "xlsx")
    assert not (tmp_path / "x.pdf").exists()
