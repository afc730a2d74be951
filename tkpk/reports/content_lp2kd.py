"""The annual LP2KD snapshot: the chapters of the active outline (``Lp2kdTemplate``), each filled
by its kind: macro conditions (the evaluation app's BPS values and targets), programme
performance (the year's accepted realisation scored against the annual targets), coverage of
the priority target data, problems and follow-ups, recommendations and free text."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from typing import Any

from django.db.models import Q

from tkpk.monitoring.models import FollowUp, FollowUpStatus
from tkpk.planning.documents.content import id_date
from tkpk.reports.charts import unit_places
from tkpk.reports.content import (
    Block,
    Snapshot,
    _accepted_values,
    _base,
    _chapter,
    _f,
    _group_table,
    _line_table,
    _pred_text,
    _problem_blocks,
    _totals,
    chart,
    group_by,
    num,
    p,
    pct,
    predicate_of,
    region_name,
    table,
    year_lines,
)
from tkpk.reports.models import ChapterKind, Lp2kdChapter, Lp2kdTemplate

MACRO_CHARTS = ("P0", "poor_population", "gini", "P1", "extreme_poverty")
BANDS = ["ST", "T", "S", "R", "SR"]


def lp2kd_outline() -> list[Lp2kdChapter]:
    template = Lp2kdTemplate.objects.filter(is_active=True).order_by("pk").first()
    return list(template.chapters.all()) if template is not None else []


# --- macro ---------------------------------------------------------------------------------------


def macro_period(period: str, year: int) -> str:
    """A BPS release named with its year: "Maret 2022"; an annual value is just "2022"."""
    return f"{period} {year}" if period else str(year)


def macro_series(*, year: int) -> list[dict[str, Any]] | None:
    """Per indicator: its province series up to ``year`` and the year's target; None when the
    evaluation app (macro indicators) is not installed."""
    try:
        from tkpk.evaluation.models import (  # type: ignore[import-not-found,unused-ignore]  # noqa: PLC0415, E501
            MacroIndicator,
            MacroTarget,
            MacroValue,
        )
    except ImportError:
        return None
    out = []
    for indicator in MacroIndicator.objects.all().order_by("ordering", "code"):
        values = list(
            MacroValue.objects.filter(
                indicator=indicator, year__lte=year, region__level="provinsi"
            ).order_by("year", "month", "period")
        )
        target = (
            MacroTarget.objects.filter(indicator=indicator, year=year, region__level="provinsi")
            .order_by("pk")
            .first()
        )
        if not values and target is None:
            continue
        out.append(
            {
                "code": indicator.code,
                "name": indicator.name,
                "unit": indicator.unit,
                "direction": indicator.direction,
                "points": [
                    (macro_period(v.period, v.year), v.year, Decimal(v.value), v.source)
                    for v in values
                ],
                "target": Decimal(target.target) if target is not None else None,
            }
        )
    return out


def _macro_blocks(year: int, figures: dict[str, Any]) -> list[Block]:
    from tkpk.monitoring.rules import achievement  # noqa: PLC0415

    series = macro_series(year=year)
    if series is None:
        return [p("Data indikator makro belum tersedia (modul evaluasi belum terpasang).")]
    if not series:
        return [p(f"Belum ada data indikator makro kemiskinan untuk tahun {year}.")]
    rows, blocks = [], []
    macro: dict[str, Any] = {}
    for s in series:
        of_year = [pt for pt in s["points"] if pt[1] == year]
        latest = (of_year or s["points"] or [None])[-1]
        value = latest[2] if latest else None
        score = achievement(realisation=value, target=s["target"], direction=s["direction"])
        macro[s["code"]] = {
            "value": None if value is None else str(value),
            "target": None if s["target"] is None else str(s["target"]),
            "achievement": None if score is None else str(score),
        }
        places = unit_places(s["unit"], [_f(value), _f(s["target"])])
        rows.append(
            [
                s["name"],
                s["unit"],
                latest[0] if latest else "-",
                num(value, places),
                num(s["target"], places),
                pct(score),
                _pred_text(score),
                latest[3] if latest else "-",
            ]
        )
    blocks.append(
        table(
            f"Indikator makro kemiskinan {region_name()} terhadap target tahun {year}",
            [
                "Indikator",
                "Satuan",
                "Periode",
                "Nilai",
                "Target",
                "Capaian (%)",
                "Predikat",
                "Sumber",
            ],  # fmt: skip
            rows,
            num_cols=[3, 4, 5],
            small=True,
        )
    )
    for code in MACRO_CHARTS:
        found = [x for x in series if x["code"] == code]
        s = found[0] if found else {}
        if not s.get("points"):
            continue
        blocks.append(
            chart(
                "line",
                f"Perkembangan {s['name']} ({s['unit']})",
                [pt[0] for pt in s["points"]],
                [(s["name"], [float(pt[2]) for pt in s["points"]])],
                unit=s["unit"],
                target=_f(s["target"]),
            )
        )
    figures["macro"] = macro
    return blocks


# --- performance ---------------------------------------------------------------------------------


def _performance_blocks(year: int, figures: dict[str, Any]) -> list[Block]:
    lines = year_lines(year)
    if not lines:
        return [p(f"Belum ada realisasi yang diterima untuk tahun {year}.")]
    by_klaster, by_opd = group_by(lines, "klaster"), group_by(lines, "opd")
    bands = Counter((predicate_of(x.achievement) or ("-", ""))[0] for x in lines)
    quarters: dict[int, list[Decimal]] = {}
    for value in _accepted_values(Q(report__period__year=year)):
        if value.achievement is not None:
            quarters.setdefault(value.report.period.quarter, []).append(value.achievement)
    q_labels = [f"TW {q}" for q in sorted(quarters)]
    q_means = [float(sum(v) / len(v)) for _q, v in sorted(quarters.items())]
    totals = _totals(lines)
    figures.update(totals)
    figures["by_opd"] = {
        g.key: None if g.achievement is None else str(g.achievement) for g in by_opd
    }
    figures["by_klaster"] = {
        g.key: None if g.achievement is None else str(g.achievement) for g in by_klaster
    }
    mean = totals["achievement_mean"]
    return [
        p(
            f"Sebanyak {len(lines)} indikator program dinilai berdasarkan realisasi terakhir yang "
            f"diterima pada tahun {year} terhadap target tahunan. Rata-rata capaian fisik "
            f"{pct(Decimal(mean) if mean else None)}% "
            f"({_pred_text(Decimal(mean) if mean else None)}); penyerapan anggaran "
            f"Rp{num(Decimal(totals['budget'] or 0), 0)} dari pagu "
            f"Rp{num(Decimal(totals['ceiling'] or 0), 0)}."
        ),
        _group_table("Capaian per klaster program", "Klaster", by_klaster),
        chart(
            "bar",
            "Rata-rata capaian fisik per klaster (%)",
            [g.key for g in by_klaster],
            [("Capaian", [_f(g.achievement) for g in by_klaster])],
            unit="%",
            target=100.0,
        ),
        _group_table("Capaian per perangkat daerah", "OPD", by_opd),
        chart(
            "barh",
            "Rata-rata capaian fisik per perangkat daerah (%)",
            [g.key for g in by_opd],
            [("Capaian", [_f(g.achievement) for g in by_opd])],
            unit="%",
            target=100.0,
        ),
        chart(
            "bar",
            "Pagu dan realisasi anggaran per perangkat daerah (miliar Rp)",
            [g.key for g in by_opd],
            [
                ("Pagu", [float(g.ceiling) / 1e9 for g in by_opd]),
                ("Realisasi", [float(g.budget) / 1e9 for g in by_opd]),
            ],
            unit="miliar Rp",
        ),
        chart(
            "bar",
            "Jumlah indikator menurut predikat capaian",
            BANDS,
            [("Indikator", [float(bands.get(b, 0)) for b in BANDS])],
            unit="indikator",
        ),
        chart(
            "line",
            "Rata-rata capaian fisik triwulanan (%)",
            q_labels,
            [("Capaian", q_means)],
            unit="%",
            target=100.0,
        ),
        _line_table("Capaian per indikator program", lines, "Target tahunan"),
    ]


# --- coverage ------------------------------------------------------------------------------------


def _coverage_blocks(year: int, figures: dict[str, Any]) -> list[Block]:
    from tkpk.targeting.models import BeneficiaryList, Release  # noqa: PLC0415
    from tkpk.targeting.services_coverage import coverage_cube  # noqa: PLC0415

    release = Release.objects.filter(is_current=True).first()
    if release is None:
        return [p("Belum ada rilis data sasaran prioritas yang ditetapkan.")]
    lists = list(BeneficiaryList.objects.filter(release=release, year=year))
    try:
        cube = coverage_cube(release=release, lists=lists)
    except (OSError, ValueError) as exc:  # a missing or unreadable Parquet file
        return [p(f"Cakupan tidak dapat dihitung: {exc.__class__.__name__}.")]
    intro = p(
        f"Cakupan dihitung pada rilis data sasaran {release.get_source_display()} per "
        f"{id_date(release.as_of)} ({num(release.households, 0)} rumah tangga) terhadap "
        f"{len(lists)} daftar penerima manfaat tahun {year}."
    )
    if cube.is_empty():
        return [intro, p("Belum ada daftar penerima manfaat yang tertaut untuk tahun ini.")]
    import polars as pl  # noqa: PLC0415

    counts = ("target_households", "reached", "not_reached", "inclusion")
    summed = cube.group_by("programme").agg(pl.col(c).sum() for c in counts).sort("programme")
    rows, labels, reached, not_reached = [], [], [], []
    coverage: dict[str, Any] = {}
    for r in summed.iter_rows(named=True):
        target = int(r["target_households"])
        rate = Decimal(r["reached"]) / target * 100 if target else None
        rows.append(
            [
                str(r["programme"]),
                num(target, 0),
                num(int(r["reached"]), 0),
                num(int(r["not_reached"]), 0),
                pct(None if rate is None else rate.quantize(Decimal("0.01"))),
                num(int(r["inclusion"]), 0),
            ]
        )
        labels.append(str(r["programme"]))
        reached.append(float(r["reached"]))
        not_reached.append(float(r["not_reached"]))
        coverage[str(r["programme"])] = {"target": target, "reached": int(r["reached"])}
    figures["coverage"] = coverage
    return [
        intro,
        table(
            "Cakupan sasaran prioritas per program (rumah tangga)",
            [
                "Program",
                "Sasaran (desil target)",
                "Terjangkau",
                "Belum terjangkau",
                "Cakupan (%)",
                "Di luar sasaran",
            ],  # fmt: skip
            rows,
            num_cols=[1, 2, 3, 4, 5],
        ),
        chart(
            "bar",
            "Rumah tangga sasaran terjangkau dan belum terjangkau per program",
            labels,
            [("Terjangkau", reached), ("Belum terjangkau", not_reached)],
            unit="rumah tangga",
        ),
    ]


# --- the document --------------------------------------------------------------------------------


def _problems(year: int) -> list[Block]:
    values = _accepted_values(Q(report__period__year=year))
    follow_ups = list(
        FollowUp.objects.filter(period__year=year)
        .filter(Q(status=FollowUpStatus.OPEN) | Q(raised_in__year=year))
        .select_related("owner")
        .distinct()
    )
    return _problem_blocks(values, follow_ups, by_quarter=True)


def _recommendations(text: str) -> list[Block]:
    paragraphs = [line.strip() for line in text.splitlines() if line.strip()]
    if not paragraphs:
        return [p("Rekomendasi belum diisi.")]
    return [p(x) for x in paragraphs]


def lp2kd_content(*, year: int, recommendations: str = "") -> Snapshot:
    snap = _base(
        "lp2kd",
        "Laporan Pelaksanaan Penanggulangan Kemiskinan Daerah (LP2KD)",
        f"Tahun {year}",
        year,
        None,
    )
    figures: dict[str, Any] = {}
    chapters = []
    for chapter in lp2kd_outline() or _fallback_outline():
        blocks: list[Block] = [p(x) for x in chapter.text.splitlines() if x.strip()]
        landscape = False
        if chapter.kind == ChapterKind.MACRO:
            blocks += _macro_blocks(year, figures)
        elif chapter.kind == ChapterKind.PERFORMANCE:
            blocks += _performance_blocks(year, figures)
            landscape = True
        elif chapter.kind == ChapterKind.COVERAGE:
            blocks += _coverage_blocks(year, figures)
        elif chapter.kind == ChapterKind.PROBLEMS:
            blocks += _problems(year)
        elif chapter.kind == ChapterKind.RECOMMENDATIONS:
            blocks += _recommendations(recommendations)
        if not blocks:
            blocks = [p("-")]
        chapters.append(_chapter(chapter.title, blocks, landscape=landscape))
    snap["chapters"] = chapters
    snap["recommendations"] = recommendations
    snap["figures"] = figures
    return snap


def _fallback_outline() -> list[Lp2kdChapter]:
    """Used only when no outline is active (the data migration seeds one)."""
    from tkpk.reports.outline import DEFAULT_OUTLINE  # noqa: PLC0415

    return [
        Lp2kdChapter(order=i, title=title, kind=kind, text=text)
        for i, (title, kind, text) in enumerate(DEFAULT_OUTLINE, start=1)
    ]
