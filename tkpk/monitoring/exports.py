"""Downloads of the monitoring pages: the completeness board (CSV, XLSX) and the Ministry's
Matriks 2 (programmes, activities and budget realised in the quarter) as XLSX.

Every text cell goes through ``neutralise`` (no formula injection); numbers are written as
numbers. Matriks 2 is built from ACCEPTED reports only; rows of reports that are not accepted
are left out and the OPDs concerned are named in the header block.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from tkpk.core.exports import csv_safe_row, neutralise
from tkpk.monitoring.models import (
    QuarterReport,
    ReportingPeriod,
    ReportState,
    ReportValue,
)
from tkpk.monitoring.rules import predicate
from tkpk.monitoring.selectors_board import BOARD_STATES, LATE, Board, opd_label
from tkpk.planning.models import MatrixRow, RowLevel

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
WORKBOOK_OPTIONS = {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False}


def _state_label(state: str) -> str:
    if state == "scheduled":
        return _("Scheduled")
    return str(ReportState(state).label)


def _cell_text(cell: dict[str, Any] | None) -> str:
    if cell is None:
        return ""
    text = _state_label(cell["state"])
    return f"{text} ({_('late')})" if cell["late"] else text


# --- the board ---------------------------------------------------------------------------------

BOARD_CSV_HEADER = [
    "opd",
    "opd_name",
    "year",
    "quarter",
    "state",
    "state_label",
    "late",
    "rows",
    "submitted_at",
    "period_state",
]


def board_csv(board: Board) -> str:
    """One line per OPD × quarter shown (state codes plus their label)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BOARD_CSV_HEADER)
    for line in board.rows:
        for quarter in board.quarters:
            cell = line.cells.get(quarter)
            if cell is None:
                continue
            writer.writerow(
                csv_safe_row(
                    [
                        line.label,
                        line.name,
                        board.year,
                        quarter,
                        cell["state"],
                        _state_label(cell["state"]),
                        "1" if cell["late"] else "0",
                        cell["rows"],
                        cell["submitted_at"] or "",
                        cell["period_state"],
                    ]
                )
            )
    return out.getvalue()


def board_xlsx(board: Board) -> bytes:
    """Sheet 1: the grid (OPD × quarter, state with a late marker); sheet 2: counts."""
    import xlsxwriter  # noqa: PLC0415

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    workbook.set_properties({"title": f"Monev {board.year}", "company": _region()})
    bold = workbook.add_format({"bold": True})
    header = workbook.add_format({"bold": True, "bg_color": "#D9E2F3", "border": 1})
    ws = workbook.add_worksheet(_("Board"))
    ws.write_string(0, 0, neutralise(_("Completeness board %(year)s") % {"year": board.year}), bold)
    ws.write_string(1, 0, neutralise(_region()))
    titles = [_("OPD"), _("Name"), _("Rows"), *(f"TW {ROMAN[q]}" for q in board.quarters)]
    for col, title in enumerate(titles):
        ws.write_string(3, col, neutralise(title), header)
    for r, line in enumerate(board.rows, start=4):
        ws.write_string(r, 0, neutralise(line.label))
        ws.write_string(r, 1, neutralise(line.name))
        ws.write_number(r, 2, line.rows)
        for col, quarter in enumerate(board.quarters, start=3):
            ws.write_string(r, col, neutralise(_cell_text(line.cells.get(quarter))))
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 44)
    ws.set_column(3, 3 + len(board.quarters), 22)
    ws.freeze_panes(4, 1)
    counts = workbook.add_worksheet(_("Counts"))
    counts.write_string(0, 0, neutralise(_("State")), header)
    for col, quarter in enumerate(board.quarters, start=1):
        counts.write_string(0, col, f"TW {ROMAN[quarter]}", header)
    for r, state in enumerate((*BOARD_STATES, LATE), start=1):
        label = _("late") if state == LATE else _state_label(state)
        counts.write_string(r, 0, neutralise(label))
        for col, quarter in enumerate(board.quarters, start=1):
            counts.write_number(r, col, board.counts[quarter][state])
    counts.set_column(0, 0, 24)
    workbook.close()
    return buffer.getvalue()


def _region() -> str:
    return str(settings.TKPK_REGION_NAME)


# --- Matriks 2 ---------------------------------------------------------------------------------


@dataclass
class Line:
    """A sub-activity line of Matriks 2 (one instrument row of an accepted report)."""

    code: str
    name: str
    indicator: str
    unit: str
    opd: str
    source_of_funds: str
    ceiling: Decimal
    target: Decimal | None
    physical: Decimal | None
    achievement: Decimal | None
    budget_quarter: Decimal | None
    budget_cumulative: Decimal | None
    absorption: Decimal | None


@dataclass
class Group:
    """A programme or an activity with its subtotal."""

    code: str
    name: str
    children: list[Group] = field(default_factory=list)
    lines: list[Line] = field(default_factory=list)

    def all_lines(self) -> list[Line]:
        return [*self.lines, *(x for c in self.children for x in c.all_lines())]

    def total(self, attr: str) -> Decimal:
        return sum((getattr(x, attr) or Decimal(0) for x in self.all_lines()), Decimal(0))


@dataclass
class Matriks2:
    period: ReportingPeriod
    programmes: list[Group]
    missing: list[str]  # OPDs whose report for the quarter is not accepted

    def total(self, attr: str) -> Decimal:
        return sum((p.total(attr) for p in self.programmes), Decimal(0))


def _ancestors(row: MatrixRow | None) -> tuple[MatrixRow | None, MatrixRow | None]:
    """(programme, activity) above a RAT sub-activity row."""
    programme = activity = None
    node = row.parent if row is not None else None
    while node is not None:
        if node.level == RowLevel.ACTIVITY and activity is None:
            activity = node
        elif node.level == RowLevel.PROGRAMME:
            programme = node
            break
        node = node.parent
    return programme, activity


def _child(group: Group, activity: MatrixRow) -> Group:
    for child in group.children:
        if child.code == activity.code:
            return child
    group.children.append(Group(code=activity.code, name=activity.name))
    return group.children[-1]


def matriks2_build(*, period: ReportingPeriod) -> Matriks2:
    """The quarter's Matriks 2 from the accepted reports (hierarchy from the RAT matrix)."""
    values = list(
        ReportValue.objects.filter(report__period=period, report__state=ReportState.ACCEPTED)
        .select_related("row__opd", "row__source_row__parent__parent__parent")
        .order_by("row__code")
    )
    previous: dict[int, Decimal | None] = {}
    previous_accepted: set[int] = set()
    if period.quarter > 1:
        for v in ReportValue.objects.filter(
            report__period__instrument_id=period.instrument_id,
            report__period__quarter=period.quarter - 1,
            report__state=ReportState.ACCEPTED,
        ):
            previous[v.row_id] = v.budget
            previous_accepted.add(v.row_id)
    programmes: dict[str, Group] = {}
    for value in values:
        row = value.row
        source = row.source_row
        programme, activity = _ancestors(source)
        p_key = programme.code if programme else f"~{row.programme}"
        group = programmes.setdefault(
            p_key,
            Group(
                code=programme.code if programme else "",
                name=programme.name if programme else row.programme,
            ),
        )
        target_group = group
        if activity is not None:
            target_group = _child(group, activity)
        cumulative = value.budget
        if cumulative is None:
            in_quarter = None
        elif period.quarter == 1:
            in_quarter = cumulative
        elif row.pk in previous_accepted:
            in_quarter = cumulative - (previous[row.pk] or Decimal(0))
        else:
            in_quarter = None  # the previous quarter is not accepted: no reliable difference
        target_group.lines.append(
            Line(
                code=row.code,
                name=row.name,
                indicator=row.indicator,
                unit=row.unit,
                opd=opd_label(row.opd),
                source_of_funds=row.source_of_funds,
                ceiling=row.budget_ceiling,
                target=row.quarter_target(period.quarter),
                physical=value.physical,
                achievement=value.achievement,
                budget_quarter=in_quarter,
                budget_cumulative=cumulative,
                absorption=value.budget_absorption,
            )
        )
    missing = sorted(
        opd_label(r.opd)
        for r in QuarterReport.objects.filter(period=period)
        .exclude(state=ReportState.ACCEPTED)
        .select_related("opd")
    )
    ordered = sorted(programmes.values(), key=lambda g: (g.code == "", g.code, g.name))
    return Matriks2(period=period, programmes=ordered, missing=missing)


MATRIKS2_COLUMNS: list[tuple[str, str, float]] = [
    # header (the Ministry's form is in Indonesian), kind, width
    ("No", "text", 6),
    ("Kode", "text", 12),
    ("Program / Kegiatan / Sub Kegiatan", "text", 44),
    ("Indikator", "text", 32),
    ("Satuan", "text", 10),
    ("Perangkat Daerah", "text", 16),
    ("Sumber Dana", "text", 12),
    ("Pagu Anggaran (Rp)", "money", 20),
    ("Target TW", "number", 11),
    ("Realisasi Fisik TW", "number", 11),
    ("Capaian Fisik (%)", "number", 11),
    ("Predikat", "text", 10),
    ("Realisasi Anggaran TW (Rp)", "money", 20),
    ("Realisasi Anggaran Kumulatif (Rp)", "money", 20),
    ("Penyerapan Anggaran (%)", "number", 12),
]
MATRIKS2_TABLE_ROW = 7  # zero-based row of the table header
NAME_COLUMN = 2


def matriks2_xlsx(matrix: Matriks2) -> bytes:
    import xlsxwriter  # noqa: PLC0415

    period = matrix.period
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, WORKBOOK_OPTIONS)
    workbook.set_properties(
        {"title": f"Matriks 2 TW {ROMAN[period.quarter]} {period.year}", "company": _region()}
    )
    title = workbook.add_format({"bold": True, "font_size": 13})
    header = workbook.add_format(
        {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#D9E2F3", "border": 1}
    )
    formats: dict[tuple[str, bool, int], Any] = {}

    def fmt(kind: str, bold: bool, indent: int = 0) -> Any:
        if (kind, bold, indent) not in formats:
            props: dict[str, Any] = {"valign": "top", "bold": bold, "border": 1}
            props |= {"num_format": "#,##0"} if kind == "money" else {}
            props |= {"num_format": "#,##0.00"} if kind == "number" else {}
            props |= {"text_wrap": True, "indent": indent} if kind == "text" else {}
            formats[(kind, bold, indent)] = workbook.add_format(props)
        return formats[(kind, bold, indent)]

    ws = workbook.add_worksheet("Matriks 2")
    head = [
        "MATRIKS 2. PEMETAAN PROGRAM/KEGIATAN DAN ANGGARAN PERCEPATAN PENGHAPUSAN "
        "KEMISKINAN EKSTREM",
        f"Provinsi: {_region()}",
        f"Tahun: {period.year}",
        f"Triwulan: {ROMAN[period.quarter]}",
        "Sumber: laporan triwulan OPD yang telah diterima Sekretariat TKPK "
        f"(dibuat {timezone.localtime().strftime('%d-%m-%Y %H:%M')})",
        "Belum diterima: " + (", ".join(matrix.missing) if matrix.missing else "-"),
    ]
    for r, text in enumerate(head):
        ws.write_string(r, 0, neutralise(text), title if r == 0 else None)
    for col, (name, _kind, width) in enumerate(MATRIKS2_COLUMNS):
        ws.write_string(MATRIKS2_TABLE_ROW, col, name, header)
        ws.set_column(col, col, width)

    r = MATRIKS2_TABLE_ROW + 1

    def write(values: list[Any], bold: bool, indent: int = 0) -> None:
        nonlocal r
        for col, value in enumerate(values):
            kind = MATRIKS2_COLUMNS[col][1]
            cell = fmt(kind, bold, indent if col == NAME_COLUMN else 0)
            if value is None or value == "":
                ws.write_blank(r, col, None, cell)
            elif isinstance(value, Decimal | int | float) and kind in ("money", "number"):
                ws.write_number(r, col, float(value), cell)
            else:
                ws.write_string(r, col, neutralise(str(value)), cell)
        r += 1

    def subtotal(number: str, group: Group) -> list[Any]:
        return [
            number,
            group.code,
            group.name,
            *([""] * 4),
            group.total("ceiling"),
            None,
            None,
            None,
            "",
            group.total("budget_quarter"),
            group.total("budget_cumulative"),
            _pct(group.total("budget_cumulative"), group.total("ceiling")),
        ]

    def line_values(line: Line) -> list[Any]:
        band = predicate(line.achievement)
        return [
            "",
            line.code,
            line.name,
            line.indicator,
            line.unit,
            line.opd,
            line.source_of_funds,
            line.ceiling,
            line.target,
            line.physical,
            line.achievement,
            band[0] if band else "",
            line.budget_quarter,
            line.budget_cumulative,
            line.absorption,
        ]

    for number, programme in enumerate(matrix.programmes, start=1):
        write(subtotal(str(number), programme), bold=True)
        for line in programme.lines:
            write(line_values(line), bold=False, indent=2)
        for activity in programme.children:
            write(subtotal("", activity), bold=True, indent=1)
            for line in activity.lines:
                write(line_values(line), bold=False, indent=2)
    ceiling = matrix.total("ceiling")
    cumulative = matrix.total("budget_cumulative")
    write(
        [
            "",
            "",
            "JUMLAH",
            *([""] * 4),
            ceiling,
            None,
            None,
            None,
            "",
            matrix.total("budget_quarter"),
            cumulative,
            _pct(cumulative, ceiling),
        ],
        bold=True,
    )
    ws.freeze_panes(MATRIKS2_TABLE_ROW + 1, 3)
    workbook.close()
    return buffer.getvalue()


def _pct(part: Decimal, whole: Decimal) -> Decimal | None:
    if not whole:
        return None
    return (part / whole * 100).quantize(Decimal("0.01"))
