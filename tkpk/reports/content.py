"""What each report says, as a JSON-able snapshot: chapters of blocks (paragraphs, tables with
numbers already formatted the Indonesian way, chart specifications) plus ``figures``, the key
numbers in machine form. The snapshot is stored with the version, so a document can be drawn
again from exactly the numbers it used. Texts are Indonesian literals: official documents.

Block shapes: ``{"type": "p", "text"}``, ``{"type": "h", "text"}``,
``{"type": "table", "caption", "header", "rows", "num": [column indices], "strong": [row
indices], "small": bool}``, ``{"type": "chart", "chart": "bar" | "barh" | "line", "caption",
"labels", "series": [{"name", "values"}], "unit", "target": float | None}``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tkpk.monitoring.models import (
    FollowUp,
    FollowUpStatus,
    InstrumentRow,
    PeriodState,
    QuarterReport,
    ReportingPeriod,
    ReportState,
    ReportValue,
)
from tkpk.monitoring.rules import achievement as rules_achievement
from tkpk.monitoring.rules import predicate as rules_predicate
from tkpk.planning.documents.content import id_date, id_number

ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
Block = dict[str, Any]
Snapshot = dict[str, Any]


class ReportDataError(ValidationError):
    """The data a report needs are not there (e.g. the quarter is not locked)."""


def region_name() -> str:
    return str(settings.TKPK_REGION_NAME)


def num(value: Decimal | float | int | None, places: int | None = None) -> str:
    if value is None:
        return "-"
    return id_number(Decimal(str(value)), places=places)


def pct(value: Decimal | float | None) -> str:
    return "-" if value is None else num(value, 2)


def _f(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def predicate_of(value: Decimal | None) -> tuple[str, str] | None:
    """(short, label) of the band: the evaluation app's configurable table when it is there,
    else monitoring's seeded scale."""
    if value is None:
        return None
    try:
        import importlib  # noqa: PLC0415

        module = importlib.import_module("tkpk.evaluation.services")  # optional app
        predicate_for = getattr(module, "predicate_for", None)
        band: Any = predicate_for(value) if predicate_for is not None else None
    except (ImportError, LookupError, TypeError, ValueError):
        band = None
    if band is not None:
        short = getattr(band, "short", None) or getattr(band, "code", None)
        label = getattr(band, "label", None)
        if short and label:
            return str(short), str(label)
        if isinstance(band, tuple | list) and len(band) >= 2:
            return str(band[0]), str(band[1])
    return rules_predicate(value)


def _pred_text(value: Decimal | None) -> str:
    band = predicate_of(value)
    return f"{band[1]} ({band[0]})" if band else "-"


def table(
    caption: str,
    header: list[str],
    rows: list[list[str]],
    *,
    num_cols: list[int] | None = None,
    strong: list[int] | None = None,
    small: bool = False,
) -> Block:
    return {
        "type": "table",
        "caption": caption,
        "header": header,
        "rows": rows,
        "num": num_cols or [],
        "strong": strong or [],
        "small": small,
    }


def chart(
    kind: str,
    caption: str,
    labels: list[str],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    unit: str = "",
    target: float | None = None,
) -> Block:
    return {
        "type": "chart",
        "chart": kind,
        "caption": caption,
        "labels": labels,
        "series": [{"name": n, "values": list(v)} for n, v in series],
        "unit": unit,
        "target": target,
    }


def p(text: str) -> Block:
    return {"type": "p", "text": text}


def h(text: str) -> Block:
    return {"type": "h", "text": text}


def _chapter(title: str, blocks: list[Block], *, landscape: bool = False) -> dict[str, Any]:
    return {"title": title, "blocks": blocks, "landscape": landscape}


# --- the quarter ---------------------------------------------------------------------------------


def locked_period(*, year: int, quarter: int) -> ReportingPeriod:
    """The locked period of the year's published instrument, or ReportDataError."""
    from tkpk.monitoring.services_reports import instrument_current  # noqa: PLC0415

    if quarter not in ROMAN:
        raise ReportDataError(_("The quarter must be 1 to 4."))
    instrument = instrument_current(year=year)
    period = instrument.periods.filter(quarter=quarter).first() if instrument else None
    if period is None:
        raise ReportDataError(
            _("There is no published monitoring instrument with this quarter for %(year)s.")
            % {"year": year}
        )
    if period.state != PeriodState.LOCKED:
        raise ReportDataError(
            _("TW %(quarter)s %(year)s is not locked yet; lock the period first.")
            % {"quarter": quarter, "year": year}
        )
    return period


def _klaster_of(row: InstrumentRow) -> int | None:
    node = row.source_row
    while node is not None:
        if node.rpkd_programme_id is not None and node.rpkd_programme is not None:
            return int(node.rpkd_programme.klaster)
        node = node.parent
    return None


@dataclass
class Line:
    """One instrument row with its accepted value (the quarter's, or the year's latest)."""

    row: InstrumentRow
    opd: str
    klaster: int | None
    target: Decimal | None
    physical: Decimal | None
    achievement: Decimal | None
    ceiling: Decimal
    budget: Decimal | None
    quarter: int


def _accepted_values(q: Q) -> list[ReportValue]:
    return list(
        ReportValue.objects.filter(q, report__state=ReportState.ACCEPTED)
        .select_related(
            "report__period",
            "row__opd",
            "row__source_row__rpkd_programme",
            "row__source_row__parent__rpkd_programme",
            "row__source_row__parent__parent__rpkd_programme",
        )
        .order_by("row__code", "report__period__quarter")
    )


def _label(opd: Any) -> str:
    return str(opd.acronym or opd.name)


def quarter_lines(period: ReportingPeriod) -> list[Line]:
    lines = []
    for value in _accepted_values(Q(report__period=period)):
        row = value.row
        lines.append(
            Line(
                row=row,
                opd=_label(row.opd),
                klaster=_klaster_of(row),
                target=row.quarter_target(period.quarter),
                physical=value.physical,
                achievement=value.achievement,
                ceiling=row.budget_ceiling,
                budget=value.budget,
                quarter=period.quarter,
            )
        )
    return lines


def year_lines(year: int) -> list[Line]:
    """Each row's latest accepted value of the year, scored against the annual target."""
    from tkpk.monitoring.services_reports import instrument_current  # noqa: PLC0415

    instrument = instrument_current(year=year)
    if instrument is None:
        return []
    latest: dict[int, ReportValue] = {}
    for value in _accepted_values(Q(report__period__instrument=instrument)):
        latest[value.row_id] = value  # ordered by quarter: the last one wins
    lines = []
    for value in latest.values():
        row = value.row
        lines.append(
            Line(
                row=row,
                opd=_label(row.opd),
                klaster=_klaster_of(row),
                target=row.target,
                physical=value.physical,
                achievement=rules_achievement(
                    realisation=value.physical, target=row.target, direction=row.direction
                ),
                ceiling=row.budget_ceiling,
                budget=value.budget,
                quarter=value.report.period.quarter,
            )
        )
    return sorted(lines, key=lambda x: x.row.code)


def _mean(values: list[Decimal | None]) -> Decimal | None:
    known = [v for v in values if v is not None]
    if not known:
        return None
    return (sum(known, Decimal(0)) / len(known)).quantize(Decimal("0.01"))


def _share(part: Decimal, whole: Decimal) -> Decimal | None:
    return (part / whole * 100).quantize(Decimal("0.01")) if whole else None


@dataclass
class GroupFigures:
    key: str
    rows: int
    achievement: Decimal | None
    ceiling: Decimal
    budget: Decimal
    absorption: Decimal | None


def group_by(lines: list[Line], key: str) -> list[GroupFigures]:
    groups: dict[str, list[Line]] = defaultdict(list)
    for line in lines:
        if key == "klaster":
            name = f"Klaster {line.klaster}" if line.klaster else "Tanpa klaster"
        else:
            name = line.opd
        groups[name].append(line)
    out = []
    for name in sorted(groups):
        items = groups[name]
        ceiling = sum((x.ceiling for x in items), Decimal(0))
        budget = sum((x.budget or Decimal(0) for x in items), Decimal(0))
        out.append(
            GroupFigures(
                key=name,
                rows=len(items),
                achievement=_mean([x.achievement for x in items]),
                ceiling=ceiling,
                budget=budget,
                absorption=_share(budget, ceiling),
            )
        )
    return out


def _group_table(caption: str, first: str, groups: list[GroupFigures]) -> Block:
    rows = [
        [
            g.key,
            str(g.rows),
            pct(g.achievement),
            _pred_text(g.achievement),
            num(g.ceiling, 0),
            num(g.budget, 0),
            pct(g.absorption),
        ]
        for g in groups
    ]
    header = [
        first,
        "Jumlah indikator",
        "Rata-rata capaian fisik (%)",
        "Predikat",
        "Pagu (Rp)",
        "Realisasi anggaran (Rp)",
        "Penyerapan (%)",
    ]
    return table(caption, header, rows, num_cols=[1, 2, 4, 5, 6])


def _line_table(caption: str, lines: list[Line], target_label: str) -> Block:
    rows = [
        [
            x.row.code,
            x.row.programme or x.row.name,
            x.row.indicator,
            x.opd,
            num(x.target),
            num(x.physical),
            pct(x.achievement),
            _pred_text(x.achievement),
        ]
        for x in lines
    ]
    header = [
        "Kode",
        "Program / Sub kegiatan",
        "Indikator",
        "OPD",
        target_label,
        "Realisasi",
        "Capaian (%)",
        "Predikat",
    ]
    return table(caption, header, rows, num_cols=[4, 5, 6], small=True)


def _totals(lines: list[Line]) -> dict[str, str | None]:
    ceiling = sum((x.ceiling for x in lines), Decimal(0))
    budget = sum((x.budget or Decimal(0) for x in lines), Decimal(0))
    mean = _mean([x.achievement for x in lines])
    absorption = _share(budget, ceiling)
    return {
        "indicators": str(len(lines)),
        "achievement_mean": None if mean is None else str(mean),
        "ceiling": str(ceiling),
        "budget": str(budget),
        "absorption": None if absorption is None else str(absorption),
    }


def _problem_rows(values: list[ReportValue], *, by_quarter: bool) -> list[list[str]]:
    """One row per reported problem; over a year the same problem reported again in a later
    quarter is one row naming its quarters (TW I, TW II; no break inside "TW I")."""
    quarters: dict[tuple[str, str, str, str], list[int]] = {}
    for v in values:
        if v.problems.strip():
            key = (_label(v.row.opd), v.row.code, v.problems.strip(), v.drivers.strip() or "-")
            seen = quarters.setdefault(key, [])
            if v.report.period.quarter not in seen:
                seen.append(v.report.period.quarter)
    if not by_quarter:
        return [list(key) for key in quarters]
    return [
        [*key[:2], ", ".join(f"TW\u00a0{ROMAN[q]}" for q in sorted(qs)), *key[2:]]
        for key, qs in quarters.items()
    ]


def _problem_blocks(
    values: list[ReportValue], follow_ups: list[FollowUp], *, by_quarter: bool = False
) -> list[Block]:
    problems = _problem_rows(values, by_quarter=by_quarter)
    header = ["OPD", "Kode", "Permasalahan", "Faktor pendorong"]
    if by_quarter:
        header.insert(2, "Triwulan")
    blocks: list[Block] = []
    if problems:
        blocks.append(
            table("Permasalahan yang dilaporkan perangkat daerah", header, problems, small=True)
        )
    else:
        blocks.append(p("Tidak ada permasalahan yang dilaporkan perangkat daerah."))
    if follow_ups:
        blocks.append(
            table(
                "Tindak lanjut",
                ["Tindak lanjut", "Penanggung jawab", "Tenggat", "Status"],
                [
                    [
                        f.text,
                        _label(f.owner),
                        id_date(f.due_on),
                        "Selesai" if f.status == FollowUpStatus.CLOSED else "Terbuka",
                    ]
                    for f in follow_ups
                ],
                small=True,
            )
        )
    else:
        blocks.append(p("Tidak ada tindak lanjut yang tercatat."))
    return blocks


def _base(kind: str, title: str, period: str, year: int, quarter: int | None) -> Snapshot:
    return {
        "kind": kind,
        "title": title,
        "period": period,
        "year": year,
        "quarter": quarter,
        "region": region_name(),
        "team": f"Tim Koordinasi Penanggulangan Kemiskinan {region_name()}",
        "made_on": id_date(timezone.localdate()),
        "chapters": [],
        "figures": {},
    }


def quarterly_content(*, year: int, quarter: int) -> Snapshot:
    """The quarterly monitoring report to the Ketua and the Gubernur (a locked quarter)."""
    period = locked_period(year=year, quarter=quarter)
    tw = ROMAN[quarter]
    snap = _base(
        "quarterly",
        "Laporan Pemantauan Pelaksanaan Program Penanggulangan Kemiskinan",
        f"Triwulan {tw} Tahun {year}",
        year,
        quarter,
    )
    reports = list(
        QuarterReport.objects.filter(period=period).select_related("opd").order_by("opd__name")
    )
    accepted = sum(1 for r in reports if r.state == ReportState.ACCEPTED)
    late = sum(1 for r in reports if r.late)
    lines = quarter_lines(period)
    by_opd = group_by(lines, "opd")
    totals = _totals(lines)
    values = _accepted_values(Q(report__period=period))
    follow_ups = list(
        FollowUp.objects.filter(Q(period=period) | Q(raised_in=period))
        .select_related("owner")
        .distinct()
    )
    intro = [
        p(
            f"Laporan ini menyajikan hasil pemantauan pelaksanaan program penanggulangan "
            f"kemiskinan {region_name()} pada Triwulan {tw} Tahun {year}, berdasarkan laporan "
            f"realisasi perangkat daerah yang telah diverifikasi Sekretariat TKPK. Periode "
            f"pelaporan dikunci pada {id_date(timezone.localdate(period.locked_at))}."
            if period.locked_at
            else f"Laporan ini menyajikan hasil pemantauan Triwulan {tw} Tahun {year}."
        ),
        p(
            f"Dari {len(reports)} perangkat daerah, {accepted} laporan diterima; "
            f"{late} laporan terlambat. Rata-rata capaian fisik "
            f"{pct(_dec(totals, 'achievement_mean'))}% "
            f"dan penyerapan anggaran {pct(_dec(totals, 'absorption'))}%."
        ),
    ]
    state_label = {
        ReportState.ACCEPTED: "Diterima",
        ReportState.SUBMITTED: "Diajukan",
        ReportState.RETURNED: "Dikembalikan",
        ReportState.DRAFT: "Draf",
        ReportState.NOT_STARTED: "Belum mulai",
    }
    completeness = table(
        "Kelengkapan laporan perangkat daerah",
        ["OPD", "Status", "Terlambat", "Diajukan", "Diverifikasi"],
        [
            [
                _label(r.opd),
                state_label.get(ReportState(r.state), r.state),
                "Ya" if r.late else "Tidak",
                id_date(timezone.localdate(r.submitted_at)) if r.submitted_at else "-",
                id_date(timezone.localdate(r.verified_at)) if r.verified_at else "-",
            ]
            for r in reports
        ],
    )
    labels = [g.key for g in by_opd]
    snap["chapters"] = [
        _chapter("Pendahuluan", intro),
        _chapter(
            "Kelengkapan Pelaporan",
            [
                completeness,
                chart(
                    "bar",
                    "Jumlah laporan menurut status",
                    ["Diterima", "Belum diterima", "Terlambat"],
                    [("Laporan", [float(accepted), float(len(reports) - accepted), float(late)])],
                    unit="laporan",
                ),
            ],
        ),
        _chapter(
            "Capaian Kinerja dan Penyerapan Anggaran",
            [
                _group_table("Capaian dan penyerapan anggaran per perangkat daerah", "OPD", by_opd),
                chart(
                    "bar",
                    "Rata-rata capaian fisik per perangkat daerah (%)",
                    labels,
                    [("Capaian", [_f(g.achievement) for g in by_opd])],
                    unit="%",
                    target=100.0,
                ),
                chart(
                    "bar",
                    "Penyerapan anggaran per perangkat daerah (%)",
                    labels,
                    [("Penyerapan", [_f(g.absorption) for g in by_opd])],
                    unit="%",
                ),
                _line_table("Capaian per program dan indikator", lines, f"Target TW {tw}"),
            ],
            landscape=True,
        ),
        _chapter("Permasalahan dan Tindak Lanjut", _problem_blocks(values, follow_ups)),
    ]
    snap["figures"] = {
        **totals,
        "reports": len(reports),
        "accepted": accepted,
        "late": late,
        "by_opd": {g.key: None if g.achievement is None else str(g.achievement) for g in by_opd},
    }
    return snap


def _dec(figures: dict[str, Any], key: str) -> Decimal | None:
    value = figures.get(key)
    return None if value is None else Decimal(str(value))


# --- PPKE ----------------------------------------------------------------------------------------


def ppke_content(*, year: int, quarter: int) -> Snapshot:
    """Matriks 1 (progress answers), Matriks 2 (programmes and budget) and the cover letter."""
    from tkpk.monitoring.exports import matriks2_build  # noqa: PLC0415
    from tkpk.reports.models import PpkeAnswer, PpkeQuestion  # noqa: PLC0415

    period = locked_period(year=year, quarter=quarter)
    tw = ROMAN[quarter]
    snap = _base(
        "ppke",
        "Laporan Pelaksanaan Percepatan Penghapusan Kemiskinan Ekstrem",
        f"Triwulan {tw} Tahun {year}",
        year,
        quarter,
    )
    answers = {a.question_id: a.text for a in PpkeAnswer.objects.filter(year=year, quarter=quarter)}
    questions = list(PpkeQuestion.objects.filter(is_active=True))
    matrix = matriks2_build(period=period)
    m2_rows: list[list[str]] = []
    strong: list[int] = []

    def group_row(number: str, group: Any) -> None:
        strong.append(len(m2_rows))
        ceiling, cumulative = group.total("ceiling"), group.total("budget_cumulative")
        m2_rows.append(
            [number, group.code, group.name, "", "", num(ceiling, 0), "", "", "", "",
             num(group.total("budget_quarter"), 0), num(cumulative, 0),
             pct(_share(cumulative, ceiling))]
        )  # fmt: skip

    def line_row(line: Any) -> None:
        band = predicate_of(line.achievement)
        m2_rows.append(
            ["", line.code, line.name, line.indicator, line.opd, num(line.ceiling, 0),
             num(line.target), num(line.physical), pct(line.achievement),
             band[0] if band else "", num(line.budget_quarter, 0),
             num(line.budget_cumulative, 0), pct(line.absorption)]
        )  # fmt: skip

    for n, programme in enumerate(matrix.programmes, start=1):
        group_row(str(n), programme)
        for line in programme.lines:
            line_row(line)
        for activity in programme.children:
            group_row("", activity)
            for line in activity.lines:
                line_row(line)
    ceiling, cumulative = matrix.total("ceiling"), matrix.total("budget_cumulative")
    strong.append(len(m2_rows))
    m2_rows.append(
        ["", "", "JUMLAH", "", "", num(ceiling, 0), "", "", "", "",
         num(matrix.total("budget_quarter"), 0), num(cumulative, 0),
         pct(_share(cumulative, ceiling))]
    )  # fmt: skip
    letter = [
        p(f"Jakarta, {id_date(timezone.localdate())}"),
        p("Nomor: ........ / ........"),
        p("Sifat: Biasa"),
        p("Lampiran: 1 (satu) berkas"),
        p(
            f"Hal: Laporan Pelaksanaan Percepatan Penghapusan Kemiskinan Ekstrem "
            f"Triwulan {tw} Tahun {year}"
        ),
        p("Yth. Menteri Dalam Negeri Republik Indonesia\ndi Jakarta"),
        p(
            f"Dengan hormat, bersama ini kami sampaikan Laporan Pelaksanaan Percepatan "
            f"Penghapusan Kemiskinan Ekstrem Provinsi {region_name()} Triwulan {tw} Tahun "
            f"{year}, yang terdiri atas Matriks 1 (perkembangan pelaksanaan) dan Matriks 2 "
            f"(pemetaan program/kegiatan dan anggaran). Pada triwulan ini pagu anggaran program "
            f"yang dilaporkan sebesar Rp{num(ceiling, 0)} dengan realisasi kumulatif "
            f"Rp{num(cumulative, 0)} ({pct(_share(cumulative, ceiling))}%)."
        ),
        p("Demikian kami sampaikan. Atas perhatian Bapak/Ibu Menteri, kami ucapkan terima kasih."),
        p(f"Gubernur {region_name()}\n\n\n\n(........................................)"),
    ]
    if matrix.missing:
        letter.insert(
            -2,
            p("Laporan perangkat daerah yang belum diterima: " + ", ".join(matrix.missing) + "."),
        )
    programme_labels = [g.code or g.name for g in matrix.programmes]
    snap["chapters"] = [
        _chapter("Surat Pengantar", letter),
        _chapter(
            "Matriks 1. Perkembangan Pelaksanaan Percepatan Penghapusan Kemiskinan Ekstrem",
            [
                table(
                    "Matriks 1",
                    ["No", "Pertanyaan", "Jawaban"],
                    [
                        [str(i), q.text, answers.get(q.pk, "").strip() or "-"]
                        for i, q in enumerate(questions, start=1)
                    ],
                )
            ],
        ),
        _chapter(
            "Matriks 2. Pemetaan Program/Kegiatan dan Anggaran",
            [
                p(
                    "Sumber: laporan triwulan perangkat daerah yang telah diterima Sekretariat "
                    "TKPK. Belum diterima: "
                    + (", ".join(matrix.missing) if matrix.missing else "-")
                    + "."
                ),
                table(
                    "Matriks 2",
                    [
                        "No",
                        "Kode",
                        "Program / Kegiatan / Sub Kegiatan",
                        "Indikator",
                        "OPD",
                        "Pagu (Rp)",
                        f"Target TW {tw}",
                        "Realisasi fisik",
                        "Capaian (%)",
                        "Predikat",
                        "Realisasi anggaran TW (Rp)",
                        "Realisasi kumulatif (Rp)",
                        "Penyerapan (%)",
                    ],  # fmt: skip
                    m2_rows,
                    num_cols=[5, 6, 7, 8, 10, 11, 12],
                    strong=strong,
                    small=True,
                ),
                chart(
                    "bar",
                    "Pagu dan realisasi anggaran kumulatif per program (miliar Rp)",
                    programme_labels,
                    [
                        ("Pagu", [float(g.total("ceiling")) / 1e9 for g in matrix.programmes]),
                        (
                            "Realisasi",
                            [float(g.total("budget_cumulative")) / 1e9 for g in matrix.programmes],
                        ),
                    ],
                    unit="miliar Rp",
                ),
            ],
            landscape=True,
        ),
    ]
    snap["figures"] = {
        "ceiling": str(ceiling),
        "budget_cumulative": str(cumulative),
        "absorption": None if not ceiling else str(_share(cumulative, ceiling)),
        "missing": matrix.missing,
        "answered": sum(1 for q in questions if answers.get(q.pk, "").strip()),
        "questions": len(questions),
    }
    return snap
