"""The plan documents: an editable DOCX, a printable PDF and an XLSX of the figures.

All three are drawn from one content model (``plan_content``): chapters in the official order
holding blocks of text converted from the sections' simple HTML, data tables whose numbers are
already formatted the Indonesian way (1.234.567,5), and PNG charts. Texts are Indonesian
literals: these are official Indonesian documents, not UI."""

from __future__ import annotations

import base64
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from html.parser import HTMLParser
from typing import Any

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import translation

from tkpk.accounts.models import Organisation
from tkpk.core.exports import neutralise
from tkpk.planning.charts import budget_bars_png, trajectory_png
from tkpk.planning.models import Klaster, MatrixRow, Plan, PlanKind, Stage, StrategyKind
from tkpk.planning.services import plan_budget_by_opd
from tkpk.regions.models import Region

ROMAN = "I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI XVII XVIII XIX XX"
MONTHS = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
DIRECTION = {"higher": "Meningkat", "lower": "Menurun"}
LEVEL_DEPTH = {"program": 0, "kegiatan": 1, "subkegiatan": 2}
CLOSING_SECTION = "penutup"  # structured chapters come before the closing chapter
PORTRAIT_WIDTH_CM = 17.0
LANDSCAPE_WIDTH_CM = 26.7

# --- Indonesian formatting -----------------------------------------------------------------------


def decimals_for(values: Iterable[Decimal | None]) -> int:
    """Decimals that show every value of a series exactly, so its numbers line up: none for
    whole numbers, else two to four (4,30 persen)."""
    needed = [
        -int(v.normalize().as_tuple().exponent)
        for v in values
        if v is not None and v != v.to_integral_value()
    ]
    return min(max(2, *needed), 4) if needed else 0


def id_number(value: Decimal | int | None, *, places: int | None = None) -> str:
    """``1234.5`` → ``1.234,50``: a dot groups thousands, a comma marks decimals."""
    if value is None:
        return "-"
    number = Decimal(value)
    places = decimals_for([number]) if places is None else places
    number = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    return format(number, ",f").translate(str.maketrans(",.", ".,"))


def id_date(value: date) -> str:
    return f"{value.day} {MONTHS.split()[value.month - 1]} {value.year}"


def roman(number: int) -> str:
    numerals = ROMAN.split()
    return numerals[number - 1] if 0 < number <= len(numerals) else str(number)


def _natural(code: str) -> list[Any]:
    return [(0, int(p), "") if p.isdigit() else (1, 0, p) for p in re.split(r"(\d+)", code)]


# --- section HTML → blocks -----------------------------------------------------------------------


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False


@dataclass
class Item:
    depth: int
    runs: list[Run]
    number: int = 0


@dataclass
class GridRow:
    cells: list[list[Run]] = field(default_factory=list)
    header: bool = True


@dataclass
class Block:
    """A paragraph (``p``), a list (``ul``/``ol``) or a table (``grid``) from a section."""

    kind: str
    runs: list[Run] = field(default_factory=list)
    items: list[Item] = field(default_factory=list)
    rows: list[GridRow] = field(default_factory=list)


_DROP_TAGS = "script style template iframe object svg math noscript head title textarea select"
_DROP = frozenset(_DROP_TAGS.split()) | {"button"}
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BREAKS = frozenset({"p", "div", "blockquote", "section", "article", "pre"}) | _HEADINGS


class _BodyParser(HTMLParser):
    """Keeps text, paragraphs, lists, bold/italic and tables; drops every other tag and
    attribute, and the content of scripts, styles and embedded objects."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self._bold = self._italic = self._drop = self._depth = self._tables = 0
        self._runs: list[Run] | None = None  # the paragraph, list item or cell being filled
        self._list: Block | None = None
        self._table: Block | None = None
        self._row: GridRow | None = None

    def _target(self) -> list[Run]:
        if self._runs is None:
            if self._table is not None:
                if self._row is None:
                    self._row = GridRow(header=False)
                    self._table.rows.append(self._row)
                self._runs = []
                self._row.cells.append(self._runs)
            elif self._list is not None:
                self._list.items.append(Item(depth=max(self._depth - 1, 0), runs=[]))
                self._runs = self._list.items[-1].runs
            else:
                self.blocks.append(Block("p"))
                self._runs = self.blocks[-1].runs
        return self._runs

    def _soft_break(self) -> None:
        if self._runs:
            self._runs.append(Run("\n"))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _DROP:
            self._drop += 1
        elif self._drop:
            return
        elif tag in {"strong", "b"} or tag in _HEADINGS:
            self._bold += 1
            self._start_break(tag)
        elif tag in {"em", "i"}:
            self._italic += 1
        elif tag == "br":
            self._target().append(Run("\n"))
        elif tag in {"ul", "ol"}:
            self._start_list(tag)
        elif tag == "li":
            self._start_item()
        elif tag in {"table", "tr", "td", "th"}:
            self._start_table_part(tag)
        elif tag in _BREAKS:
            self._start_break(tag)

    def _start_break(self, tag: str) -> None:
        if tag not in _BREAKS:
            return
        if self._table is not None or self._list is not None:
            self._soft_break()
        else:
            self._runs = None

    def _start_list(self, tag: str) -> None:
        if self._table is not None:
            self._soft_break()
            return
        if self._list is None:
            self._list = Block(tag)
            self.blocks.append(self._list)
        self._depth += 1
        self._runs = None

    def _start_item(self) -> None:
        if self._table is not None:
            self._soft_break()
            self._target().append(Run("• "))
        else:
            self._runs = None
            self._target()

    def _start_table_part(self, tag: str) -> None:
        if tag == "table":
            self._tables += 1
            if self._tables == 1:
                self._list, self._depth, self._runs, self._row = None, 0, None, None
                self._table = Block("grid")
                self.blocks.append(self._table)
        elif self._tables > 1 or self._table is None:  # a nested table flattens into its cell
            if tag == "tr":
                self._soft_break()
            else:
                self._target().append(Run(" "))
        elif tag == "tr":
            self._row, self._runs = GridRow(), None
            self._table.rows.append(self._row)
        else:
            self._runs = None
            self._target()
            if self._row is not None:
                self._row.header = self._row.header and tag == "th"

    def handle_endtag(self, tag: str) -> None:
        if tag in _DROP:
            self._drop = max(self._drop - 1, 0)
            return
        if self._drop:
            return
        if tag in {"strong", "b"} or tag in _HEADINGS:
            self._bold = max(self._bold - 1, 0)
        elif tag in {"em", "i"}:
            self._italic = max(self._italic - 1, 0)
        elif tag in {"ul", "ol"} and self._table is None and self._list is not None:
            self._depth -= 1
            if self._depth <= 0:
                self._list, self._depth = None, 0
        elif tag == "table" and self._tables:
            self._tables -= 1
            if not self._tables:
                self._table = self._row = None
        elif tag == "tr" and self._tables == 1:
            self._row = None
        if self._ends_text(tag):
            self._runs = None

    def _ends_text(self, tag: str) -> bool:
        if self._table is None and tag in {"ul", "ol", "li", "table"}:
            return True
        if self._tables == 1:
            return tag in {"td", "th", "tr"}
        return tag in _BREAKS and self._table is None and self._list is None

    def handle_data(self, data: str) -> None:
        if self._drop:
            return
        text = re.sub(r"\s+", " ", data)
        if self._runs is None and not text.strip():
            return
        runs = self._target()
        bold, italic = self._bold > 0, self._italic > 0
        if runs and runs[-1].bold == bold and runs[-1].italic == italic:
            runs[-1].text += text
        else:
            runs.append(Run(text, bold, italic))


def _tidy(runs: list[Run]) -> list[Run]:
    merged: list[Run] = []
    for run in runs:
        if merged and (merged[-1].bold, merged[-1].italic) == (run.bold, run.italic):
            merged[-1] = Run(merged[-1].text + run.text, run.bold, run.italic)
        else:
            merged.append(Run(run.text, run.bold, run.italic))
    for run in merged:
        run.text = re.sub(r" *\n *", "\n", run.text)
    if merged:
        merged[0].text = merged[0].text.lstrip()
        merged[-1].text = merged[-1].text.rstrip()
    return [r for r in merged if r.text]


def html_blocks(html: str) -> list[Block]:
    """Convert a section's simple HTML into paragraphs, lists and tables; nothing else passes."""
    parser = _BodyParser()
    parser.feed(html or "")
    parser.close()
    blocks: list[Block] = []
    for block in parser.blocks:
        block.runs = _tidy(block.runs)
        counters: dict[int, int] = {}
        for item in block.items:
            item.runs = _tidy(item.runs)
            counters = {d: n for d, n in counters.items() if d <= item.depth}
            counters[item.depth] = item.number = counters.get(item.depth, 0) + 1
        block.items = [i for i in block.items if i.runs]
        for row in block.rows:
            row.cells = [_tidy(cell) for cell in row.cells]
        block.rows = [r for r in block.rows if any(r.cells)]
        width = max((len(r.cells) for r in block.rows), default=0)
        for row in block.rows:
            row.cells += [[] for _ in range(width - len(row.cells))]
        if block.runs or block.items or block.rows:
            blocks.append(block)
    return blocks


# --- content model -------------------------------------------------------------------------------


@dataclass
class Heading:
    text: str
    kind: str = "heading"


@dataclass
class Row:
    cells: list[str]
    depth: int = 0
    strong: bool = False

    @property
    def indent_pt(self) -> int:
        return 3 + 9 * self.depth


@dataclass
class DataTable:
    header: list[str]
    rows: list[Row]
    widths: list[float]  # centimetres; the PDF uses them as proportions
    numeric: frozenset[int] = frozenset()
    indent_col: int = -1
    small: bool = False
    name: str = ""
    kind: str = "table"

    @property
    def percents(self) -> list[str]:
        total = sum(self.widths)
        return [f"{100 * w / total:.2f}" for w in self.widths]


@dataclass
class Chart:
    png: bytes
    caption: str
    kind: str = "figure"

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode()


Element = Block | Heading | DataTable | Chart


@dataclass
class Chapter:
    number: str
    title: str
    elements: list[Element]
    landscape: bool = False
    anchor: str = ""

    @property
    def heading(self) -> str:
        return f"BAB {self.number} {self.title.upper()}"


@dataclass
class PlanContent:
    plan: Plan
    kind_title: list[str]
    team: str
    period: str
    status: str
    chapters: list[Chapter]


def plan_content(*, plan: Plan) -> PlanContent:
    with translation.override("id"):
        region = f"Provinsi {settings.TKPK_REGION_NAME}"
        sections = list(plan.sections.all())
        parts: list[tuple[str, list[Element], bool]] = []
        for section in sections:
            blocks: list[Element] = list(html_blocks(section.body))
            parts.append((section.title, blocks or [_para("Belum diisi.", italic=True)], False))
        extra = _rpkd_parts(plan) if plan.kind == PlanKind.RPKD else _rat_parts(plan)
        keys = [s.key for s in sections]
        at = keys.index(CLOSING_SECTION) if CLOSING_SECTION in keys else len(parts)
        parts[at:at] = extra
        if plan.stage == Stage.ENACTED and plan.decree_number:
            status = f"Ditetapkan dengan {plan.decree_number}"
            status += f" tanggal {id_date(plan.decree_date)}" if plan.decree_date else ""
        else:
            status = f"Tahap: {Stage(plan.stage).label}"
        rpkd = plan.kind == PlanKind.RPKD
        return PlanContent(
            plan=plan,
            kind_title=[
                "RENCANA PENANGGULANGAN KEMISKINAN DAERAH"
                if rpkd
                else "RENCANA AKSI TAHUNAN PENANGGULANGAN KEMISKINAN DAERAH",
                region.upper(),
            ],
            team=f"Tim Koordinasi Penanggulangan Kemiskinan {region}",
            period=f"Periode {plan.year_start}–{plan.year_end}"
            if rpkd
            else f"Tahun {plan.year_start}",
            status=status,
            chapters=[
                Chapter(roman(n), title, elements, landscape, f"bab-{n}")
                for n, (title, elements, landscape) in enumerate(parts, start=1)
            ],
        )


def _cols(spec: str) -> tuple[list[str], list[float]]:
    """``"Kode 1.2|Program 6"`` → the headers and their widths in centimetres."""
    pairs = [c.rsplit(" ", 1) for c in spec.split("|")]
    return [h for h, _w in pairs], [float(w) for _h, w in pairs]


def _table(spec: str, rows: list[Row], **options: Any) -> DataTable:
    header, widths = _cols(spec)
    return DataTable(header, rows, widths, **options)


def _rpkd_parts(plan: Plan) -> list[tuple[str, list[Element], bool]]:
    years = plan.years
    span = f"{years[0]}–{years[-1]}"
    rows: list[Row] = []
    charts: list[Element] = []
    for goal in plan.goals.prefetch_related("targets__values"):
        rows.append(Row([goal.code, f"Tujuan: {goal.text}", *[""] * (3 + len(years))], 0, True))
        for t in goal.targets.all():
            values = {v.year: v.value for v in t.values.all()}
            fmt = partial(id_number, places=decimals_for([t.baseline, *values.values()]))
            cells = [t.code, t.indicator, t.unit, DIRECTION.get(t.direction, "-")]
            cells.append(f"{fmt(t.baseline)} ({t.baseline_year})")
            rows.append(Row(cells + [fmt(values.get(y)) for y in years], 1))
            if values:
                png = trajectory_png(
                    title=f"{t.code} {t.indicator} ({t.unit})",
                    unit=t.unit,
                    baseline_year=t.baseline_year,
                    baseline=t.baseline,
                    values=values,
                    fmt=fmt,
                )
                caption = f"Trajektori sasaran {t.code} {t.indicator}: baseline dan target {span}"
                charts.append(Chart(png, f"Gambar {len(charts) + 1}. {caption}"))
    year_cols = "".join(f"|{y} {min(1.4, 7.0 / len(years))}" for y in years)
    targets = _table(
        "Kode 1.2|Tujuan / Indikator Sasaran 4.6|Satuan 1.7|Arah 1.7|Baseline 1.8" + year_cols,
        rows,
        numeric=frozenset(range(4, 5 + len(years))),
        indent_col=1,
        small=True,
        name="sasaran",
    )
    strategy_rows = []
    for s in plan.strategies.prefetch_related("directions"):
        directions = "\n".join(f"{d.code} {d.text}" for d in s.directions.all())
        strategy_rows.append(Row([s.code, str(StrategyKind(s.kind).label), s.text, directions]))
    strategies = _table(
        "Kode 1.2|Strategi Permendagri 53/2020 5|Strategi Daerah 5|Arah Kebijakan 5.8",
        strategy_rows,
        small=True,
        name="strategi",
    )
    programmes = list(plan.programmes.select_related("strategy", "opd").prefetch_related("budgets"))
    per_year = dict.fromkeys(years, Decimal(0))
    by_opd: dict[str, Decimal] = {}
    prows: list[Row] = []
    for p in programmes:
        budgets = {b.year: b.amount for b in p.budgets.all()}
        total = sum(budgets.values(), Decimal(0))
        for y in years:
            per_year[y] += budgets.get(y, Decimal(0))
        opd = p.opd.acronym or p.opd.name
        by_opd[opd] = by_opd.get(opd, Decimal(0)) + total
        amounts = [id_number(budgets.get(y)) for y in years] + [id_number(total)]
        prows.append(Row([p.code, p.name, str(p.klaster), p.strategy.code, opd, *amounts]))
    amounts = [id_number(v) for v in per_year.values()] + [id_number(sum(per_year.values()))]
    prows.append(Row(["", "Jumlah", "", "", "", *amounts], strong=True))
    width = min(3.0, 16.5 / (len(years) + 1))
    money_cols = "".join(f"|{y} (Rp) {width}" for y in years) + f"|Total (Rp) {width}"
    programme_table = _table(
        "Kode 1|Program 4.6|Klaster 1.1|Strategi 1.2|Perangkat Daerah 2.3" + money_cols,
        prows,
        numeric=frozenset(range(5, 6 + len(years))),
        small=True,
        name="program",
    )
    programme_chapter: list[Element] = [
        _para("Program penanggulangan kemiskinan dengan pagu indikatif per tahun:"),
        programme_table,
        Block("p", [Run("Klaster program:", bold=True)]),
        Block("ul", items=[Item(0, [Run(str(k.label))]) for k in Klaster]),
    ]
    if by_opd:
        png = budget_bars_png(totals=list(by_opd.items()), fmt=id_number)
        caption = f"Gambar {len(charts) + 1}. Pagu indikatif {span} per perangkat daerah"
        programme_chapter.append(Chart(png, caption))
    goals_chapter: list[Element] = [Heading("A. Tujuan dan Sasaran"), targets, *charts]
    goals_chapter += [Heading("B. Strategi dan Arah Kebijakan"), strategies]
    return [
        ("Tujuan, Sasaran, Strategi dan Arah Kebijakan", goals_chapter, False),
        ("Program Penanggulangan Kemiskinan", programme_chapter, True),
        ("Prioritas Program dan Lokasi Prioritas", _priorities(plan, programmes), False),
        ("Profil Risiko", [_risks(plan)], False),
    ]


def _para(text: str, *, italic: bool = False) -> Block:
    return Block("p", [Run(text, italic=italic)])


def _kota(region_code: str, names: dict[str, str]) -> str:
    return names.get(".".join(region_code.split(".")[:2]), "-")


def _priorities(plan: Plan, programmes: Sequence[Any]) -> list[Element]:
    items = [
        Item(0, [Run(f"{p.code} {p.name} ({p.opd.acronym or p.opd.name})")])
        for p in programmes
        if p.is_priority
    ]
    locations = list(plan.locations.select_related("region", "programme"))
    kota_codes = {".".join(loc.region_id.split(".")[:2]) for loc in locations}
    names = dict(Region.objects.filter(code__in=kota_codes).values_list("code", "name"))
    rows = []
    for n, loc in enumerate(locations, start=1):
        programme = f"{loc.programme.code} {loc.programme.name}" if loc.programme else "-"
        kota = _kota(loc.region_id, names)
        rows.append(Row([str(n), programme, loc.region.name, kota, loc.reason or "-"]))
    table = _table(
        "No 0.9|Program 6|Kelurahan 3.2|Kota Administrasi 4.2|Keterangan 2.7",
        rows,
        numeric=frozenset({0}),
        small=True,
        name="lokasi",
    )
    listed = Block("ul", items=items) if items else _para("Belum ada program prioritas.")
    return [Heading("A. Program Prioritas"), listed, Heading("B. Lokasi Prioritas"), table]


def _risks(plan: Plan) -> DataTable:
    rows = []
    for n, r in enumerate(plan.risks.all(), start=1):
        cells = [str(n), r.risk, r.cause, r.impact, str(r.likelihood), r.mitigation, r.owner]
        rows.append(Row([c or "-" for c in cells]))
    return _table(
        "No 0.9|Risiko 3|Penyebab 2.7|Dampak 2.7|Kemungkinan (1–5) 1.9|Mitigasi 3.4|Pemilik 2.4",
        rows,
        numeric=frozenset({0, 4}),
        small=True,
        name="risiko",
    )


def matrix_rows(plan: Plan) -> list[MatrixRow]:
    """The matrix in reading order: each programme followed by its activities, depth first."""
    rows = list(plan.matrix.select_related("opd", "rpkd_programme").prefetch_related("locations"))
    children: dict[int | None, list[MatrixRow]] = {}
    for row in rows:
        children.setdefault(row.parent_id, []).append(row)
    ordered: list[MatrixRow] = []

    def walk(parent: int | None) -> None:
        for row in sorted(children.get(parent, []), key=lambda r: _natural(r.code)):
            ordered.append(row)
            walk(row.pk)

    walk(None)
    seen = {r.pk for r in ordered}
    return ordered + [r for r in rows if r.pk not in seen]


def _locations(row: MatrixRow) -> str:
    return ", ".join(loc.name for loc in row.locations.all())


def _rat_parts(plan: Plan) -> list[tuple[str, list[Element], bool]]:
    year = plan.year_start
    rows: list[Row] = []
    for r in matrix_rows(plan):
        targets = (r.target, r.target_q1, r.target_q2, r.target_q3, r.target_q4)
        places = decimals_for(targets)
        cells = [r.code, r.name, r.indicator or "-", r.unit or "-"]
        cells += [id_number(v, places=places) for v in targets] + [id_number(r.budget)]
        cells += [r.source_of_funds, r.opd.acronym or r.opd.name, r.target_group, _locations(r)]
        depth = LEVEL_DEPTH.get(r.level, 0)
        rows.append(Row([c or "-" for c in cells], depth, strong=depth == 0))
    totals = plan_budget_by_opd(plan=plan)
    grand = sum(totals.values(), Decimal(0))
    rows.append(Row(["", "Jumlah", *[""] * 7, id_number(grand), *[""] * 4], strong=True))
    matrix = _table(
        "Kode 1.5|Program / Kegiatan / Sub Kegiatan 4.4|Indikator 3.1|Satuan 1.7"
        f"|Target {year} 1.4|TW I 1.1|TW II 1.1|TW III 1.1|TW IV 1.1|Anggaran (Rp) 2.6"
        "|Sumber Dana 1.3|Perangkat Daerah 1.8|Kelompok Sasaran 2|Lokasi 2.5",
        rows,
        numeric=frozenset(range(4, 10)),
        indent_col=1,
        small=True,
        name="matriks",
    )
    names = dict(Organisation.objects.filter(acronym__in=totals).values_list("acronym", "name"))
    recap_rows = []
    for n, (opd, amount) in enumerate(sorted(totals.items(), key=lambda i: -i[1]), start=1):
        share = id_number(100 * amount / grand if grand else Decimal(0), places=2)
        label = f"{names[opd]} ({opd})" if opd in names else opd
        recap_rows.append(Row([str(n), label, id_number(amount), share]))
    recap_rows.append(Row(["", "Jumlah", id_number(grand), "100,00"], strong=True))
    recap = _table(
        "No 1|Perangkat Daerah 9|Anggaran (Rp) 4.2|Persentase (%) 2.8",
        recap_rows,
        numeric=frozenset({0, 2, 3}),
        name="rekap",
    )
    intro = (
        f"Matriks sasaran keberhasilan Rencana Aksi Tahunan {year}: program, kegiatan dan "
        "sub kegiatan dengan indikator, target tahunan dan triwulanan (kumulatif), anggaran "
        "dan lokasi."
    )
    recap_chapter: list[Element] = [
        _para(f"Rekapitulasi anggaran program Rencana Aksi Tahunan {year} per perangkat daerah:"),
        recap,
    ]
    if totals:
        png = budget_bars_png(totals=list(totals.items()), fmt=id_number)
        recap_chapter.append(Chart(png, f"Gambar 1. Anggaran RAT {year} per perangkat daerah"))
    return [
        ("Matriks Sasaran Keberhasilan", [_para(intro), matrix], True),
        ("Rekapitulasi Anggaran per Perangkat Daerah", recap_chapter, False),
    ]


# --- DOCX ----------------------------------------------------------------------------------------


def plan_docx(*, plan: Plan) -> bytes:
    """An editable Word document: cover, contents (a TOC field), chapters; landscape where
    the tables are wide; "Halaman X dari Y" in the footer."""
    from docx import Document  # noqa: PLC0415 (heavy; only when a document is asked for)
    from docx.enum.section import WD_SECTION  # noqa: PLC0415
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415

    content = plan_content(plan=plan)
    doc = Document()
    doc.core_properties.title = plan.title
    doc.core_properties.author = content.team
    _docx_styles(doc)
    first = doc.sections[0]
    _page_setup(first, landscape=False)
    first.different_first_page_header_footer = True
    _footer(first)
    _docx_cover(doc, content)
    _docx_contents(doc, content)
    landscape = False
    for chapter in content.chapters:
        heading_break = True
        if chapter.landscape != landscape:
            section = doc.add_section(WD_SECTION.NEW_PAGE)
            _page_setup(section, landscape=chapter.landscape)
            section.different_first_page_header_footer = False
            landscape, heading_break = chapter.landscape, False
        heading = doc.add_heading(chapter.heading, level=1)
        heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
        heading.paragraph_format.page_break_before = heading_break
        width = LANDSCAPE_WIDTH_CM if landscape else PORTRAIT_WIDTH_CM
        for element in chapter.elements:
            _docx_element(doc, element, width)
    _settings_update_fields(doc)
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()


def _oxml(tag: str, **attrs: str) -> Any:
    from docx.oxml import OxmlElement  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415

    element = OxmlElement(tag)
    for key, value in attrs.items():
        element.set(qn(key.replace("_", ":", 1)), value)
    return element


def _docx_styles(doc: Any) -> None:
    from docx.oxml.ns import qn  # noqa: PLC0415
    from docx.shared import Pt, RGBColor  # noqa: PLC0415

    sizes = {"Normal": 10.5, "Heading 1": 14, "Heading 2": 11.5, "TOC Heading": 14, "Caption": 9}
    for name, size in sizes.items():
        style = doc.styles[name]
        style.font.name = "Arial"
        style.font.size = Pt(size)
        if name != "Normal":
            style.font.color.rgb = RGBColor(0, 0, 0)
        fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
        for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
            fonts.attrib.pop(qn(attr), None)
    doc.styles["Normal"].paragraph_format.space_after = Pt(4)


def _page_setup(section: Any, *, landscape: bool) -> None:
    from docx.enum.section import WD_ORIENT  # noqa: PLC0415
    from docx.shared import Cm  # noqa: PLC0415

    short, long_ = Cm(21.0), Cm(29.7)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = (long_, short) if landscape else (short, long_)
    side = Cm(1.5) if landscape else Cm(2.0)
    section.left_margin = section.right_margin = side
    section.top_margin = section.bottom_margin = Cm(2.0)


def _footer(section: Any) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415

    paragraph = section.footer.paragraphs[0]
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    paragraph.add_run("Halaman ")
    paragraph._p.append(_field("PAGE", "1"))  # noqa: SLF001 (python-docx has no field API)
    paragraph.add_run(" dari ")
    paragraph._p.append(_field("NUMPAGES", "1"))  # noqa: SLF001


def _field(instr: str, shown: str) -> Any:
    simple = _oxml("w:fldSimple", w_instr=instr)
    run = _oxml("w:r")
    text = _oxml("w:t")
    text.text = shown
    run.append(text)
    simple.append(run)
    return simple


# Children of w:settings that the schema places after w:updateFields (the order is strict).
_AFTER_UPDATE_FIELDS = {
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids", "mathPr",
    "attachedSchema", "themeFontLang", "clrSchemeMapping", "doNotIncludeSubdocsInStats",
    "doNotAutoCompressPictures", "forceUpgrade", "captions", "readModeInkLockDown",
    "smartTagType", "schemaLibrary", "shapeDefaults", "doNotEmbedSmartTags", "decimalSymbol",
    "listSeparator",
}  # fmt: skip


def _settings_update_fields(doc: Any) -> None:
    """Ask Word to refresh the TOC and page fields when the document is opened."""
    settings_xml = doc.settings.element
    flag = _oxml("w:updateFields", w_val="true")
    later = [c for c in settings_xml if c.tag.rsplit("}", 1)[-1] in _AFTER_UPDATE_FIELDS]
    if later:
        later[0].addprevious(flag)
    else:
        settings_xml.append(flag)


def _docx_cover(doc: Any, content: PlanContent) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Cm, Pt  # noqa: PLC0415

    def line(text: str, size: float, *, bold: bool = False, before: float = 0) -> None:
        paragraph = doc.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_before = Cm(before)
        run = paragraph.add_run(text)
        run.bold, run.font.size = bold, Pt(size)

    for n, text in enumerate(content.kind_title):
        line(text, 16, bold=True, before=5 if n == 0 else 0)
    line(content.plan.title, 20, bold=True, before=1.5)
    line(content.period, 14, before=0.4)
    line(content.team, 13, bold=True, before=6)
    line(content.status, 11, before=0.4)


def _docx_contents(doc: Any, content: PlanContent) -> None:
    """A real TOC field whose stored result is the static list of chapters: readable as is,
    replaced by Word (with page numbers) when the fields are updated."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415

    title = doc.add_paragraph("DAFTAR ISI", style="TOC Heading")
    title.paragraph_format.page_break_before = True
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    entries = [c.heading for c in content.chapters]
    for n, text in enumerate(entries):
        paragraph = doc.add_paragraph()
        if n == 0:
            paragraph._p.append(_fld_char("begin"))  # noqa: SLF001
            instr = _oxml("w:r")
            code = _oxml("w:instrText", xml_space="preserve")
            code.text = ' TOC \\o "1-2" \\h \\z \\u '
            instr.append(code)
            paragraph._p.append(instr)  # noqa: SLF001
            paragraph._p.append(_fld_char("separate"))  # noqa: SLF001
        paragraph.add_run(text)
        if n == len(entries) - 1:
            paragraph._p.append(_fld_char("end"))  # noqa: SLF001


def _fld_char(kind: str) -> Any:
    run = _oxml("w:r")
    run.append(_oxml("w:fldChar", w_fldCharType=kind))
    return run


def _docx_element(doc: Any, element: Element, width: float) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Cm  # noqa: PLC0415

    if isinstance(element, Heading):
        doc.add_heading(element.text, level=2)
    elif isinstance(element, Chart):
        doc.add_picture(io.BytesIO(element.png), width=Cm(min(15.5, width)))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
        doc.add_paragraph(element.caption, style="Caption")
    elif isinstance(element, DataTable):
        _docx_table(doc, element, width)
        doc.add_paragraph()
    elif element.kind == "p":
        _docx_runs(doc.add_paragraph(), element.runs)
    elif element.kind in {"ul", "ol"}:
        for item in element.items:
            depth = min(item.depth, 2)
            if element.kind == "ul":
                style = "List Bullet" + (f" {depth + 1}" if depth else "")
                _docx_runs(doc.add_paragraph(style=style), item.runs)
            else:  # numbered by hand: each list starts at 1 and stays editable text
                paragraph = doc.add_paragraph()
                paragraph.paragraph_format.left_indent = Cm(0.75 * (depth + 1))
                paragraph.paragraph_format.first_line_indent = Cm(-0.6)
                _docx_runs(paragraph, [Run(f"{item.number}.\t"), *item.runs])
    else:
        table = doc.add_table(rows=len(element.rows), cols=len(element.rows[0].cells))
        table.style = "Table Grid"
        for row, cells in zip(element.rows, table.rows, strict=True):
            for runs, cell in zip(row.cells, cells.cells, strict=True):
                shown = [Run(r.text, r.bold or row.header, r.italic) for r in runs]
                _docx_runs(cell.paragraphs[0], shown)
        doc.add_paragraph()


def _docx_runs(paragraph: Any, runs: list[Run]) -> None:
    for r in runs:
        run = paragraph.add_run(r.text)
        run.bold = r.bold or None
        run.italic = r.italic or None


def _docx_table(doc: Any, data: DataTable, width: float) -> None:
    from docx.enum.table import WD_TABLE_ALIGNMENT  # noqa: PLC0415
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # noqa: PLC0415
    from docx.shared import Cm, Pt  # noqa: PLC0415

    size = Pt(7.5 if data.small else 9)
    scale = min(1.0, width / sum(data.widths))
    table = doc.add_table(rows=1 + len(data.rows), cols=len(data.header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    for column, cm in zip(table.columns, data.widths, strict=True):
        column.width = Cm(cm * scale)  # the grid a fixed-layout table is drawn from
    header_row = table.rows[0]
    header_row._tr.get_or_add_trPr().append(_oxml("w:tblHeader"))  # noqa: SLF001 (repeat)
    rows: Iterator[tuple[Row, Any]] = zip(
        [Row(data.header, strong=True), *data.rows], table.rows, strict=True
    )
    for n, (row, docx_row) in enumerate(rows):
        for col, (text, cell) in enumerate(zip(row.cells, docx_row.cells, strict=True)):
            cell.width = Cm(data.widths[col] * scale)
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            run = paragraph.add_run(text)
            run.font.size = size
            run.bold = row.strong or None
            if n == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
                cell._tc.get_or_add_tcPr().append(  # noqa: SLF001
                    _oxml("w:shd", w_val="clear", w_color="auto", w_fill="D9E2F3")
                )
            elif col in data.numeric:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
            elif col == data.indent_col and row.depth:
                paragraph.paragraph_format.left_indent = Cm(0.35 * row.depth)


# --- PDF -----------------------------------------------------------------------------------------


def plan_html(*, plan: Plan) -> str:
    """The print HTML: every text is escaped by the template; section bodies arrive as blocks."""
    return render_to_string("planning/plan_print.html", {"content": plan_content(plan=plan)})


def plan_pdf(*, plan: Plan) -> bytes:
    from weasyprint import HTML  # noqa: PLC0415 (heavy; only when a PDF is asked for)

    return bytes(HTML(string=plan_html(plan=plan)).write_pdf())


# --- XLSX ----------------------------------------------------------------------------------------

TEXT, CODE, NUMBER, MONEY, INTEGER = "text", "code", "number", "money", "integer"


@dataclass
class Sheet:
    name: str
    columns: list[tuple[str, str, float]]  # header, kind, width in characters
    rows: list[tuple[list[Any], int, bool]]  # values, indent, bold
    indent_col: int = -1


def plan_xlsx(*, plan: Plan) -> bytes:
    """The RAT matrix (or the RPKD's programmes and targets) as a workbook of real numbers."""
    import xlsxwriter  # noqa: PLC0415

    sheets = _rat_sheets(plan) if plan.kind == PlanKind.RAT else _rpkd_sheets(plan)
    buffer = io.BytesIO()
    options = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}
    workbook = xlsxwriter.Workbook(buffer, options)
    workbook.set_properties({"title": plan.title, "company": settings.TKPK_REGION_NAME})
    formats: dict[tuple[str, int, bool], Any] = {}

    def fmt(kind: str, indent: int = 0, bold: bool = False) -> Any:
        key = (kind, indent, bold)
        if key not in formats:
            props: dict[str, Any] = {"valign": "top", "bold": bold}
            props |= {"num_format": "#,##0"} if kind == MONEY else {}
            props |= {"num_format": "0"} if kind == INTEGER else {}
            props |= {"text_wrap": True, "indent": indent} if kind == TEXT else {}
            props |= {"num_format": "@"} if kind == CODE else {}
            formats[key] = workbook.add_format(props)
        return formats[key]

    header = workbook.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9E2F3", "border": 1}
    )
    for sheet in sheets:
        ws = workbook.add_worksheet(sheet.name)
        for col, (title, _kind, width) in enumerate(sheet.columns):
            ws.write_string(0, col, neutralise(title), header)
            ws.set_column(col, col, width)
        for r, (values, indent, bold) in enumerate(sheet.rows, start=1):
            for col, value in enumerate(values):
                kind = sheet.columns[col][1]
                cell_fmt = fmt(kind, indent if col == sheet.indent_col else 0, bold)
                if value is None or value == "":
                    ws.write_blank(r, col, None, cell_fmt)
                elif isinstance(value, Decimal | int) and kind in {NUMBER, MONEY, INTEGER}:
                    ws.write_number(r, col, float(value), cell_fmt)
                else:
                    ws.write_string(r, col, neutralise(str(value)), cell_fmt)
        ws.freeze_panes(1, 0)
        ws.autofilter(0, 0, max(len(sheet.rows), 1), len(sheet.columns) - 1)
    workbook.close()
    return buffer.getvalue()


def _xcols(spec: str) -> list[tuple[str, str, float]]:
    """``"Kode code 12|Program text 48"`` → (header, kind, width in characters) per column."""
    parts = [c.rsplit(" ", 2) for c in spec.split("|")]
    return [(header, kind, float(width)) for header, kind, width in parts]


def _rat_sheets(plan: Plan) -> list[Sheet]:
    rows = []
    for r in matrix_rows(plan):
        quarters = [r.target_q1, r.target_q2, r.target_q3, r.target_q4]
        values: list[Any] = [str(r.get_level_display()), r.code, r.name, r.indicator, r.unit]
        values += [DIRECTION.get(r.direction, ""), r.baseline, r.target, *quarters, r.budget]
        values += [r.source_of_funds, r.opd.acronym or r.opd.name, r.target_group, _locations(r)]
        values += [r.rpkd_programme.code if r.rpkd_programme else "", r.deviation_note]
        rows.append((values, LEVEL_DEPTH.get(r.level, 0), r.level == "program"))
    year = plan.year_start
    columns = _xcols(
        "Level text 12|Kode code 12|Program / Kegiatan / Sub Kegiatan text 44"
        "|Indikator text 32|Satuan text 14|Arah text 11|Baseline number 11"
        f"|Target {year} number 11|TW I number 10|TW II number 10|TW III number 10"
        "|TW IV number 10|Anggaran (Rp) money 20|Sumber Dana text 12|Perangkat Daerah text 16"
        "|Kelompok Sasaran text 18|Lokasi text 28|Program RPKD code 12|Penjelasan Deviasi text 30"
    )
    recap = [([opd, amount], 0, False) for opd, amount in plan_budget_by_opd(plan=plan).items()]
    return [
        Sheet(f"Matriks {year}", columns, rows, indent_col=2),
        Sheet("Rekap OPD", _xcols("Perangkat Daerah text 30|Anggaran (Rp) money 22"), recap),
    ]


def _rpkd_sheets(plan: Plan) -> list[Sheet]:
    years = plan.years
    programmes = []
    for p in plan.programmes.select_related("strategy", "opd").prefetch_related("budgets"):
        budgets = {b.year: b.amount for b in p.budgets.all()}
        values: list[Any] = [
            p.code,
            p.name,
            p.klaster,
            p.strategy.code,
            p.opd.acronym or p.opd.name,
        ]
        values += ["Ya" if p.is_priority else "Tidak", *(budgets.get(y) for y in years)]
        programmes.append(([*values, sum(budgets.values(), Decimal(0))], 0, False))
    targets = []
    for goal in plan.goals.prefetch_related("targets__values"):
        for t in goal.targets.all():
            by_year = {v.year: v.value for v in t.values.all()}
            values = [goal.code, t.code, t.indicator, t.unit, DIRECTION.get(t.direction, "")]
            values += [t.baseline, t.baseline_year, *(by_year.get(y) for y in years)]
            targets.append((values, 0, False))
    programme_cols = _xcols(
        "Kode code 10|Program text 48|Klaster integer 9|Strategi code 10"
        "|Perangkat Daerah text 18|Prioritas text 10"
        + "".join(f"|{y} (Rp) money 20" for y in years)
        + "|Total (Rp) money 22"
    )
    target_cols = _xcols(
        "Tujuan code 9|Kode code 9|Indikator text 40|Satuan text 12|Arah text 11"
        "|Baseline number 11|Tahun Baseline integer 10" + "".join(f"|{y} number 10" for y in years)
    )
    return [Sheet("Program", programme_cols, programmes), Sheet("Sasaran", target_cols, targets)]
