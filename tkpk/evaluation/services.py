"""Writes of evaluation: macro values from CSV (all or nothing) and from person-level microdata
(FGT), the BPS series shipped with the project, and the dashboard's precomputed sections."""

from __future__ import annotations

import csv
import hashlib
import importlib
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone

from tkpk.accounts.models import Organisation, User
from tkpk.core.services import audit_record
from tkpk.evaluation import selectors as sel
from tkpk.evaluation.models import (
    DashboardSnapshot,
    MacroIndicator,
    MacroTarget,
    MacroValue,
    PredicateBand,
    RpkdIndicatorLink,
)
from tkpk.evaluation.poverty import fgt
from tkpk.evaluation.selectors import (
    achievement,
    achievement_table,
    macro_achievement,
    macro_series,
    predicate_for,
)
from tkpk.evaluation.selectors_dashboard import SNAPSHOT_FORMAT, province_code
from tkpk.monitoring.models import Instrument, InstrumentStatus, QuarterReport, ReportValue
from tkpk.monitoring.selectors import monitoring_board
from tkpk.planning.models import Plan, PlanKind, Stage, Target, TargetValue
from tkpk.processes.models import HumanTask, TaskStatus
from tkpk.regions.models import Region

__all__ = [
    "BPS_CSV",
    "MacroImportResult",
    "achievement",
    "achievement_table",
    "bps_poverty_load",
    "dashboard_fingerprint",
    "dashboard_refresh",
    "dashboard_stale_years",
    "evaluation_reference_load",
    "fgt",
    "macro_import_csv",
    "macro_achievement",
    "macro_microdata_import",
    "macro_series",
    "macro_target_save",
    "predicate_for",
]

BPS_CSV = Path(__file__).resolve().parent / "data" / "bps_kemiskinan_dki.csv"
MONTHS = {
    1: "Januari",
    2: "Februari",
    3: "Maret",
    4: "April",
    5: "Mei",
    6: "Juni",
    7: "Juli",
    8: "Agustus",
    9: "September",
    10: "Oktober",
    11: "November",
    12: "Desember",
}
PERIOD_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?$")
FOUR_PLACES = Decimal("0.0001")
SECTIONS = ("macro", "achievement", "completeness", "coverage", "tasks")

# Published targets for DKI Jakarta (domain.md §7.1); loaded with the BPS series.
SEEDED_TARGETS: list[tuple[str, str, int, str, str]] = [
    ("P0", "31", 2024, "3.79", "Target Pemprov DKI Jakarta 2024 (beritajakarta)"),
    ("extreme_poverty", "31", 2024, "0", "Target Pemprov DKI Jakarta 2024 (beritajakarta)"),
    ("P0", "31", 2025, "3.85", "RKP 2025: 3,55–3,85 % (batas atas)"),
    ("gini", "31", 2025, "0.430", "RKP 2025: 0,425–0,430 (batas atas)"),
]


# --- macro values from CSV ----------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    line: int
    message: str


@dataclass
class MacroImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


def _indicator_lookup() -> dict[str, MacroIndicator]:
    lookup: dict[str, MacroIndicator] = {}
    for indicator in MacroIndicator.objects.all():
        lookup[indicator.code.lower()] = indicator
        for alias in indicator.aliases or []:
            lookup[str(alias).lower()] = indicator
    return lookup


def _period(text: str) -> tuple[int, int | None, str] | None:
    match = PERIOD_RE.match(text.strip())
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2)) if match.group(2) else None
    if month is not None and month not in MONTHS:
        return None
    return year, month, MONTHS[month] if month else ""


@dataclass(frozen=True)
class _Parsed:
    indicator: MacroIndicator
    region: str
    year: int
    month: int | None
    period: str
    value: Decimal
    source: str


REQUIRED_COLUMNS = ("wilayah_kode", "periode", "indikator", "nilai", "sumber")


def _dict_reader(handle: Any) -> csv.DictReader[str]:
    """Comma- or semicolon-separated (Excel saves CSV with semicolons where the decimal mark is
    a comma, as in Indonesian settings), told apart by the header line."""
    header = handle.readline()
    handle.seek(0)
    delimiter = ";" if header.count(";") > header.count(",") else ","
    return csv.DictReader(handle, delimiter=delimiter)


def _parse_macro_csv(path: Path) -> tuple[list[_Parsed], list[RowError]]:
    indicators = _indicator_lookup()
    regions = set(Region.objects.values_list("code", flat=True))
    parsed: list[_Parsed] = []
    errors: list[RowError] = []
    seen: dict[tuple[int, str, int, str], int] = {}
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = _dict_reader(handle)
        missing = [c for c in REQUIRED_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            return [], [RowError(1, "kolom wajib tidak ada: " + ", ".join(missing))]
        for line, raw in enumerate(reader, start=2):
            row = {k: (v or "").strip() for k, v in raw.items() if k}
            problems: list[str] = []
            indicator = indicators.get(row["indikator"].lower())
            if indicator is None:
                problems.append(f"indikator tidak dikenal: {row['indikator']!r}")
            if row["wilayah_kode"] not in regions:
                problems.append(f"kode wilayah tidak dikenal: {row['wilayah_kode']!r}")
            period = _period(row["periode"])
            if period is None:
                problems.append(f"periode bukan YYYY atau YYYY-MM: {row['periode']!r}")
            try:
                value = Decimal(row["nilai"].replace(",", "."))
                if not value.is_finite():
                    raise InvalidOperation
            except InvalidOperation:
                problems.append(f"nilai bukan angka: {row['nilai']!r}")
                value = Decimal(0)
            if not row["sumber"]:
                problems.append("sumber wajib diisi")
            if problems:
                errors.append(RowError(line, "; ".join(problems)))
                continue
            assert indicator is not None and period is not None  # noqa: S101 (narrowing)
            key = (indicator.pk, row["wilayah_kode"], period[0], period[2])
            if key in seen:
                errors.append(RowError(line, f"duplikat baris {seen[key]}"))
                continue
            seen[key] = line
            parsed.append(
                _Parsed(
                    indicator=indicator,
                    region=row["wilayah_kode"],
                    year=period[0],
                    month=period[1],
                    period=period[2],
                    value=value.quantize(FOUR_PLACES),
                    source=row["sumber"][:300],
                )
            )
    return parsed, errors


def _upsert_values(rows: Iterable[_Parsed], result: MacroImportResult) -> None:
    for row in rows:
        existing = MacroValue.objects.filter(
            indicator=row.indicator, region_id=row.region, year=row.year, period=row.period
        ).first()
        if existing is None:
            value = MacroValue(
                indicator=row.indicator,
                region_id=row.region,
                year=row.year,
                period=row.period,
                month=row.month,
                value=row.value,
                source=row.source,
            )
            value.full_clean()
            value.save()
            result.created += 1
        elif (existing.value, existing.source, existing.month) != (
            row.value,
            row.source,
            row.month,
        ):
            existing.value, existing.source, existing.month = row.value, row.source, row.month
            existing.full_clean()
            existing.save()
            result.updated += 1
        else:
            result.unchanged += 1


@transaction.atomic
def macro_import_csv(*, path: str | Path, by: User | None) -> MacroImportResult:
    """Import macro values (columns wilayah_kode, periode YYYY[-MM], indikator, nilai, sumber;
    others ignored). Nothing is saved when any row has an error; the errors name the line."""
    parsed, errors = _parse_macro_csv(Path(path))
    result = MacroImportResult(errors=errors)
    if errors:
        return result
    _upsert_values(parsed, result)
    if by is not None:
        audit_record(
            action="evaluation.macro_import",
            actor=by,
            object_type="evaluation.macrovalue",
            object_repr=Path(path).name,
            detail={"created": result.created, "updated": result.updated},
        )
    return result


# --- person-level microdata (FGT) ----------------------------------------------------------------

EXPENDITURE_COLUMNS = ("expenditure", "pengeluaran_per_kapita", "pengeluaran")
WEIGHT_COLUMNS = ("weight", "bobot", "penimbang")
REGION_COLUMNS = ("region", "wilayah_kode", "kode_wilayah")
FGT_INDICATORS = {0: "P0", 1: "P1", 2: "P2"}


def _column(fieldnames: list[str], candidates: tuple[str, ...]) -> str | None:
    lowered = {name.strip().lower(): name for name in fieldnames}
    return next((lowered[c] for c in candidates if c in lowered), None)


@transaction.atomic
def macro_microdata_import(
    *,
    path: str | Path,
    year: int,
    month: int | None,
    poverty_line: Decimal,
    region_code: str,
    by: User | None,
) -> MacroImportResult:
    """Compute P0/P1/P2 from person-level expenditure with survey weights and store them as
    macro values (source "microdata"): for ``region_code`` over all rows and, when the file has
    a region column, for each region in it. All or nothing, errors per line."""
    result = MacroImportResult()
    period = MONTHS[month] if month else ""
    groups: dict[str, tuple[list[Decimal], list[Decimal]]] = defaultdict(lambda: ([], []))
    regions = set(Region.objects.values_list("code", flat=True))
    if region_code not in regions:
        result.errors.append(RowError(0, f"kode wilayah tidak dikenal: {region_code!r}"))
        return result
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        reader = _dict_reader(handle)
        names = list(reader.fieldnames or [])
        spend_col = _column(names, EXPENDITURE_COLUMNS)
        weight_col = _column(names, WEIGHT_COLUMNS)
        region_col = _column(names, REGION_COLUMNS)
        if spend_col is None or weight_col is None:
            result.errors.append(RowError(1, "kolom pengeluaran per kapita dan bobot wajib ada"))
            return result
        for line, raw in enumerate(reader, start=2):
            try:
                spend = Decimal((raw.get(spend_col) or "").strip())
                weight = Decimal((raw.get(weight_col) or "").strip())
                if not spend.is_finite() or not weight.is_finite() or spend < 0 or weight <= 0:
                    raise InvalidOperation
            except InvalidOperation:
                result.errors.append(
                    RowError(line, "pengeluaran harus angka ≥ 0 dan bobot angka > 0")
                )
                continue
            groups[region_code][0].append(spend)
            groups[region_code][1].append(weight)
            code = (raw.get(region_col) or "").strip() if region_col else ""
            if code and code != region_code:
                if code not in regions:
                    result.errors.append(RowError(line, f"kode wilayah tidak dikenal: {code!r}"))
                    continue
                groups[code][0].append(spend)
                groups[code][1].append(weight)
    if result.errors:
        return result
    if not groups:
        result.errors.append(RowError(0, "berkas tidak berisi baris data"))
        return result
    indicators = {
        i.code: i for i in MacroIndicator.objects.filter(code__in=FGT_INDICATORS.values())
    }
    rows = [
        _Parsed(
            indicator=indicators[code],
            region=region,
            year=year,
            month=month,
            period=period,
            value=fgt(
                expenditure=spend, weights=weights, poverty_line=poverty_line, alpha=alpha
            ).quantize(FOUR_PLACES),
            source="microdata",
        )
        for region, (spend, weights) in sorted(groups.items())
        for alpha, code in FGT_INDICATORS.items()
    ]
    _upsert_values(rows, result)
    if by is not None:
        audit_record(
            action="evaluation.microdata_import",
            actor=by,
            object_type="evaluation.macrovalue",
            object_repr=Path(path).name,
            detail={"regions": len(groups), "year": year, "period": period},
        )
    return result


# --- reference data -----------------------------------------------------------------------------


@transaction.atomic
def macro_target_save(
    *, indicator: MacroIndicator, region: Region, year: int, target: Decimal, source: str
) -> MacroTarget:
    item, _ = MacroTarget.objects.get_or_create(
        indicator=indicator,
        region=region,
        year=year,
        defaults={"target": target, "source": source},
    )
    if (item.target, item.source) != (target, source):
        item.target, item.source = target, source
        item.full_clean()
        item.save()
    return item


# --- macro targets from the enacted RPKD ----------------------------------------------------------


def _normalised(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def macro_indicator_for_text(
    text: str, indicators: Iterable[MacroIndicator]
) -> MacroIndicator | None:
    """The macro indicator an RPKD target measures: its name, or its code in brackets at the
    end ("Persentase penduduk miskin (P0)"); None when the text names none."""
    wanted = _normalised(text)
    bracket = re.search(r"\(([^()]+)\)\s*$", text)
    for indicator in indicators:
        if wanted == _normalised(indicator.name):
            return indicator
        if bracket and _normalised(bracket.group(1)) == indicator.code.casefold():
            return indicator
    return None


def rpkd_in_force() -> list[Plan]:
    """Enacted RPKDs not superseded by an enacted amendment, oldest first (a later plan's
    years win where they overlap)."""
    enacted = list(Plan.objects.filter(kind=PlanKind.RPKD, stage=Stage.ENACTED))
    amended = {p.amends_id for p in enacted if p.amends_id}
    return sorted((p for p in enacted if p.pk not in amended), key=lambda p: (p.year_start, p.pk))


def rpkd_targets_fingerprint() -> list[Any]:
    """What the RPKD-derived macro targets depend on (for the dashboard's staleness check)."""
    plans = rpkd_in_force()
    return [
        [(p.pk, p.updated_at.isoformat()) for p in plans],
        list(
            TargetValue.objects.filter(target__goal__plan__in=plans)
            .order_by("pk")
            .values_list("pk", "year", "value", "target__indicator")
        ),
        list(RpkdIndicatorLink.objects.order_by("pk").values_list("target_id", "indicator_id")),
    ]


def rpkd_target_indicators(*, plan: Plan) -> list[tuple[Target, MacroIndicator | None, bool]]:
    """Each target of ``plan`` with the macro indicator it measures and whether the secretariat
    set it (True) or it was recognised from the target's name (False)."""
    indicators = list(MacroIndicator.objects.all())
    links = {
        link.target_id: link
        for link in RpkdIndicatorLink.objects.filter(target__goal__plan=plan).select_related(
            "indicator"
        )
    }
    result = []
    targets = Target.objects.filter(goal__plan=plan).order_by("goal__code", "code")
    for target in targets:
        link = links.get(target.pk)
        if link is not None:
            result.append((target, link.indicator, True))
        else:
            result.append((target, macro_indicator_for_text(target.indicator, indicators), False))
    return result


@transaction.atomic
def rpkd_indicator_links_save(
    *, plan: Plan, chosen: dict[int, MacroIndicator | None], by: User
) -> int:
    """Record the secretariat's choice for targets of ``plan`` (target id → indicator or None),
    then sync the macro targets; returns how many links changed."""
    targets = {t.pk: t for t in Target.objects.filter(goal__plan=plan, pk__in=list(chosen))}
    changed = 0
    for pk, indicator in chosen.items():
        target = targets.get(pk)
        if target is None:
            continue
        link, created = RpkdIndicatorLink.objects.get_or_create(
            target=target, defaults={"indicator": indicator}
        )
        if created or link.indicator_id != (indicator.pk if indicator else None):
            link.indicator = indicator
            link.save()
            changed += 1
    if changed:
        audit_record(
            action="evaluation.rpkd_links_saved",
            actor=by,
            obj=plan,
            detail={str(pk): (i.code if i else None) for pk, i in sorted(chosen.items())},
        )
    rpkd_macro_targets_sync()
    return changed


def _rpkd_source(plan: Plan) -> str:
    return (plan.title + (f" ({plan.decree_number})" if plan.decree_number else ""))[:300]


@transaction.atomic
def rpkd_macro_targets_sync() -> int:
    """The province's macro targets from the yearly targets of the RPKD in force, for the
    targets that measure a macro indicator (set by the secretariat, or recognised by name).
    They replace, for the RPKD's years, a target from another source (the RPKD is the team's
    own enacted plan); a target this sync wrote earlier that the RPKD no longer gives is
    removed. Returns how many rows changed."""
    province = Region.objects.filter(pk=province_code()).first()
    if province is None:
        return 0
    changed = 0
    wanted: dict[tuple[int, int], tuple[Decimal, str]] = {}
    sources: set[str] = set()
    for plan in rpkd_in_force():
        source = _rpkd_source(plan)
        sources.add(source)
        measures = {t.pk: i for t, i, _set in rpkd_target_indicators(plan=plan) if i is not None}
        values = TargetValue.objects.filter(target_id__in=list(measures)).order_by("year")
        for value in values:
            if plan.year_start <= value.year <= plan.year_end:
                wanted[(measures[value.target_id].pk, value.year)] = (value.value, source)
    indicators = {i.pk: i for i in MacroIndicator.objects.all()}
    for (indicator_id, year), (target, source) in sorted(wanted.items()):
        before = (
            MacroTarget.objects.filter(indicator_id=indicator_id, region=province, year=year)
            .values_list("target", "source")
            .first()
        )
        macro_target_save(
            indicator=indicators[indicator_id],
            region=province,
            year=year,
            target=target,
            source=source,
        )
        changed += before != (target, source)
    # Targets an earlier sync wrote from these plans that they no longer give.
    written = MacroTarget.objects.filter(region=province, source__in=sources)
    stale = [t.pk for t in written if (t.indicator_id, t.year) not in wanted]
    if stale:
        changed += MacroTarget.objects.filter(pk__in=stale).delete()[0]
    return changed


def reference_seed_missing() -> int:
    """Create the seeded predicate bands and macro indicators that are missing (the data
    migration's lists; rows already there, possibly edited by the secretariat, stay as they
    are). For databases emptied after migrating, e.g. a flush between browser tests."""
    seed = importlib.import_module("tkpk.evaluation.migrations.0002_seed_reference")
    created = 0
    for minimum, maximum, label, short, order, colour in seed.BANDS:
        _band, new = PredicateBand.objects.get_or_create(
            short=short,
            defaults={
                "minimum": minimum,
                "maximum": maximum,
                "label": label,
                "ordering": order,
                "colour": colour,
            },
        )
        created += new
    for code, name, unit, direction, order, aliases in seed.INDICATORS:
        _indicator, new = MacroIndicator.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "unit": unit,
                "direction": direction,
                "ordering": order,
                "aliases": aliases,
            },
        )
        created += new
    return created


def bps_poverty_load(*, path: Path = BPS_CSV) -> MacroImportResult:
    """Load the BPS series shipped with the project and the published targets (idempotent)."""
    reference_seed_missing()
    result = macro_import_csv(path=path, by=None)
    if not result.ok:
        return result
    indicators = {i.code: i for i in MacroIndicator.objects.all()}
    for code, region, year, target, source in SEEDED_TARGETS:
        region_row = Region.objects.filter(pk=region).first()
        if region_row is not None and code in indicators:
            macro_target_save(
                indicator=indicators[code],
                region=region_row,
                year=year,
                target=Decimal(target),
                source=source,
            )
    rpkd_macro_targets_sync()
    return result


def evaluation_reference_load() -> MacroImportResult:
    """Reference data of evaluation (for load_reference/load_demo): the BPS poverty series."""
    return bps_poverty_load()


# --- the dashboard's precomputed sections ---------------------------------------------------------


def _plain(value: Any) -> Any:
    """JSON-ready: Decimals as strings (exact), containers recursively."""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _macro_section(*, year: int) -> dict[str, Any]:
    indicators = sel.macro_indicators()
    pairs = MacroValue.objects.values_list("indicator__code", "region_id").distinct()
    series: dict[str, dict[str, list[dict[str, Any]]]] = defaultdict(dict)
    for code, region in sorted(set(pairs)):
        series[region][code] = sel.macro_series(indicator_code=code, region_code=region)
    regions = dict(Region.objects.filter(code__in=list(series)).values_list("code", "name"))
    return {
        "indicators": [
            {"code": i.code, "name": i.name, "unit": i.unit, "direction": i.direction}
            for i in indicators
        ],
        "regions": regions,
        "series": series,
        "achievement": sel.macro_achievement(year=year),
    }


TREND_YEARS = 5


ACHIEVEMENT_LEVELS: tuple[sel.Level, ...] = (
    "indicator",
    "activity",
    "programme",
    "opd",
    "klaster",
    "all",
)


def _achievement_levels(*, year: int, quarter: int | None) -> dict[str, Any]:
    """Every level of one period from one read of its indicator rows, and each OPD's own
    klaster averages (a klaster mixes several OPDs' rows)."""
    rows = sel.indicator_rows(year=year, quarter=quarter)
    tables: dict[str, Any] = {
        level: sel.achievement_table(year=year, quarter=quarter, level=level, rows=rows)
        for level in ACHIEVEMENT_LEVELS
    }
    opd_ids = sorted({r["opd_id"] for r in rows if r["opd_id"]})
    tables["klaster_by_opd"] = {
        str(pk): sel.achievement_table(
            year=year, quarter=quarter, level="klaster", organisation_id=pk, rows=rows
        )
        for pk in opd_ids
    }
    return tables


def _achievement_section(*, year: int) -> dict[str, Any]:
    """The year and each quarter by level; per OPD and for the whole instrument, the quarters
    and the earlier years (up to TREND_YEARS with a published instrument), for the trends."""
    years = sorted(
        y
        for y in Instrument.objects.filter(status=InstrumentStatus.PUBLISHED, year__lte=year)
        .values_list("year", flat=True)
        .distinct()
    )[-TREND_YEARS:]
    return {
        "year": _achievement_levels(year=year, quarter=None),
        "quarter": {str(q): _achievement_levels(year=year, quarter=q) for q in (1, 2, 3, 4)},
        "years": {str(y): _year_trend(year=y) for y in years},
    }


def _year_trend(*, year: int) -> dict[str, Any]:
    rows = sel.indicator_rows(year=year, quarter=None)
    return {
        level: sel.achievement_table(year=year, level=level, rows=rows) for level in ("opd", "all")
    }


def _organisation_ids() -> dict[str, int]:
    ids: dict[str, int] = {}
    for pk, acronym, name in Organisation.objects.values_list("pk", "acronym", "name"):
        ids.setdefault(acronym or name, pk)
    return ids


def _completeness_section(*, year: int) -> dict[str, Any]:
    ids = _organisation_ids()
    return {"board": [{**e, "opd_id": ids.get(e["opd"])} for e in monitoring_board(year=year)]}


def _coverage_section(*, year: int) -> dict[str, Any]:
    from tkpk.targeting.models import BeneficiaryList, ListStatus, Release  # noqa: PLC0415
    from tkpk.targeting.services_coverage import (  # noqa: PLC0415
        coverage_cube,
        coverage_summary,
    )

    release = Release.objects.filter(is_current=True).first()
    if release is None:
        return {"release": None}
    lists = list(
        BeneficiaryList.objects.filter(release=release, status=ListStatus.LINKED, year=year)
        .exclude(links_path="")
        .select_related("organisation")
    )
    cube = coverage_cube(release=release, lists=lists)
    owners: dict[str, set[int]] = defaultdict(set)
    for item in lists:
        owners[item.programme].add(item.organisation_id)
    per_programme: list[dict[str, Any]] = []
    for level in ("kota", "kecamatan", "kelurahan"):
        for row in coverage_summary(cube=cube, by=level, per_programme=True).to_dicts():
            per_programme.append(
                {**row, "level": level, "opd_ids": sorted(owners.get(row["programme"], set()))}
            )
    codes = {r["code"] for r in per_programme}
    return {
        "release": {
            "id": release.pk,
            "source": release.get_source_display(),
            "as_of": release.as_of.isoformat(),
        },
        "lists": len(lists),
        "per_programme": per_programme,
        "names": dict(Region.objects.filter(code__in=codes).values_list("code", "name")),
    }


def _tasks_section(*, year: int) -> dict[str, Any]:
    today = timezone.localdate()
    rows = (
        HumanTask.objects.filter(status=TaskStatus.OPEN, due_date__lt=today)
        .values("lane", "organisation_id", "region_id")
        .annotate(n=Count("id"))
        .order_by("lane")
    )
    return {"as_of": today.isoformat(), "overdue": list(rows)}


SECTION_BUILDERS = {
    "macro": _macro_section,
    "achievement": _achievement_section,
    "completeness": _completeness_section,
    "coverage": _coverage_section,
    "tasks": _tasks_section,
}


def dashboard_fingerprint(*, year: int) -> str:
    """A cheap digest of everything the dashboard of ``year`` is computed from (counts and
    latest change times; the date, because "overdue" moves with it)."""
    from tkpk.targeting.models import BeneficiaryList, LinkReview, Release  # noqa: PLC0415

    parts: list[Any] = [
        SNAPSHOT_FORMAT,
        year,
        timezone.localdate().isoformat(),
        MacroValue.objects.aggregate(n=Count("id"), t=Max("updated_at"), s=Sum("value")),
        MacroTarget.objects.aggregate(n=Count("id"), t=Max("updated_at"), s=Sum("target")),
        list(PredicateBand.objects.values_list("minimum", "short", "label")),
        Instrument.objects.filter(year=year, status=InstrumentStatus.PUBLISHED).aggregate(
            n=Count("id"), t=Max("updated_at")
        ),
        QuarterReport.objects.filter(period__year=year).aggregate(
            n=Count("id"), t=Max("updated_at")
        ),
        ReportValue.objects.filter(report__period__year=year).aggregate(
            t=Max("updated_at"), p=Sum("physical"), b=Sum("budget")
        ),
        HumanTask.objects.filter(status=TaskStatus.OPEN).aggregate(n=Count("id"), m=Max("id")),
        list(Release.objects.filter(is_current=True).values_list("pk", flat=True)),
        BeneficiaryList.objects.filter(year=year).aggregate(
            n=Count("id"), m=Max("id"), p=Max("progress")
        ),
        list(BeneficiaryList.objects.filter(year=year).values_list("status").annotate(Count("id"))),
        LinkReview.objects.aggregate(n=Count("id"), t=Max("decided_at")),
        rpkd_targets_fingerprint(),
    ]
    return hashlib.sha256(repr(parts).encode()).hexdigest()


@transaction.atomic
def dashboard_refresh(*, year: int) -> list[DashboardSnapshot]:
    """Recompute every section of the dashboard of ``year`` and store it."""
    rpkd_macro_targets_sync()
    fingerprint = dashboard_fingerprint(year=year)
    now = timezone.now()
    saved: list[DashboardSnapshot] = []
    for key in SECTIONS:
        payload = {**_plain(SECTION_BUILDERS[key](year=year)), "format": SNAPSHOT_FORMAT}
        snapshot, _ = DashboardSnapshot.objects.update_or_create(
            key=key,
            year=year,
            defaults={"payload": payload, "fingerprint": fingerprint, "computed_at": now},
        )
        saved.append(snapshot)
    return saved


def dashboard_years() -> list[int]:
    """The years a dashboard is kept for: published instruments, macro targets, this year."""
    years = set(
        Instrument.objects.filter(status=InstrumentStatus.PUBLISHED).values_list("year", flat=True)
    )
    years |= set(MacroTarget.objects.values_list("year", flat=True))
    years.add(timezone.localdate().year)
    return sorted(years)


def dashboard_stale_years() -> list[int]:
    """Years whose stored snapshot was computed from other inputs than today's."""
    stored = dict(DashboardSnapshot.objects.filter(key="macro").values_list("year", "fingerprint"))
    return [y for y in dashboard_years() if stored.get(y) != dashboard_fingerprint(year=y)]
