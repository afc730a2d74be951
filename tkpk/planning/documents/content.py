"""The content model all three plan documents are drawn from, and Indonesian number formatting.

``plan_content`` lays out the chapters in the official order: the sections' text as blocks,
data tables whose numbers are already formatted the Indonesian way (1.234.567,5), and PNG
charts. Texts are Indonesian literals: these are official Indonesian documents, not UI."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from functools import partial
from typing import Any

from django.conf import settings
from django.utils import translation

from tkpk.accounts.models import Organisation
from tkpk.planning.charts import budget_bars_png, trajectory_png
from tkpk.planning.documents.html import Block, Item, Run, html_blocks
from tkpk.planning.models import Klaster, MatrixRow, Plan, PlanKind, Stage, StrategyKind
from tkpk.planning.services import plan_budget_by_opd
from tkpk.regions.models import Region

ROMAN = "I II III IV V VI VII VIII IX X XI XII XIII XIV XV XVI XVII XVIII XIX XX"
MONTHS = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
DIRECTION = {"higher": "Meningkat", "lower": "Menurun"}
LEVEL_DEPTH = {"program": 0, "kegiatan": 1, "subkegiatan": 2}
CLOSING_SECTION = "penutup"  # structured chapters come before the closing chapter

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
