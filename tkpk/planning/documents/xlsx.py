"""The plan's figures as an XLSX workbook of real numbers (xlsxwriter)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings

from tkpk.core.exports import neutralise
from tkpk.planning.documents.content import DIRECTION, LEVEL_DEPTH, _locations, matrix_rows
from tkpk.planning.models import Plan, PlanKind
from tkpk.planning.services import plan_budget_by_opd

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
