"""Reads of evaluation: predicates from the configurable table, achievement per indicator,
activity, programme, OPD and klaster from ACCEPTED monitoring reports, macro series and their
achievement against targets, and who may see the dashboard.

Achievement of one indicator follows ``tkpk.monitoring.rules.achievement`` (higher-is-better
``r / t × 100``; lower-is-better ``(2t − r) / t × 100``). A group (activity, programme, OPD,
klaster) scores the mean of its indicators' achievements (units differ, so realisations are not
summed); its budget ceiling and realisation are summed and absorption = realised / ceiling × 100.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from django.core.exceptions import PermissionDenied

from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.evaluation.models import MacroIndicator, MacroTarget, MacroValue, PredicateBand
from tkpk.monitoring import rules
from tkpk.monitoring.models import (
    Aggregation,
    Instrument,
    InstrumentStatus,
    ReportState,
    ReportValue,
)
from tkpk.planning.models import Klaster, MatrixRow, RowLevel

# "all": the whole instrument in one row (its label is left to the reader: "" here).
Level = Literal["indicator", "activity", "programme", "opd", "klaster", "all"]
LEVELS: tuple[Level, ...] = ("indicator", "activity", "programme", "opd", "klaster")
CENT = Decimal("0.01")
HUNDRED = Decimal(100)

DASHBOARD_ROLES = (
    Role.SEKRETARIAT,
    Role.KETUA,
    Role.GUBERNUR,
    Role.TIM_PENYUSUN,
    Role.OPD,
    Role.WILAYAH,
)


# --- scoring -----------------------------------------------------------------------------------


def predicate_bands() -> list[PredicateBand]:
    """The bands from the highest minimum down (the band without a minimum last)."""
    bands = list(PredicateBand.objects.all())
    return sorted(
        bands,
        key=lambda b: (b.minimum is None, -(b.minimum if b.minimum is not None else Decimal(0))),
    )


def predicate_for(
    value: Decimal | None, *, bands: list[PredicateBand] | None = None
) -> PredicateBand | None:
    """The band an achievement falls in: the highest band whose minimum it reaches (a value
    between bands, e.g. 90.5 with bands 76–90 and ≥ 91, belongs to the lower one)."""
    if value is None:
        return None
    for band in bands if bands is not None else predicate_bands():
        if band.minimum is None or value >= band.minimum:
            return band
    return None


def achievement(
    *, realisation: Decimal | None, target: Decimal | None, direction: str
) -> Decimal | None:
    """Direction-aware achievement in percent (rounded to 0.01); None without a usable target."""
    return rules.achievement(realisation=realisation, target=target, direction=direction)


def _mean(values: list[Decimal]) -> Decimal | None:
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT) if values else None


def _absorption(realised: Decimal | None, ceiling: Decimal) -> Decimal | None:
    if realised is None or not ceiling:
        return None
    return (realised / ceiling * HUNDRED).quantize(CENT)


def _band_dict(band: PredicateBand | None) -> dict[str, str] | None:
    if band is None:
        return None
    return {"short": band.short, "label": band.label, "colour": band.colour}


# --- achievement table --------------------------------------------------------------------------


def instrument_for_year(*, year: int) -> Instrument | None:
    return (
        Instrument.objects.filter(year=year, status=InstrumentStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )


@dataclass(frozen=True)
class _Hierarchy:
    activity: tuple[str, str]  # (code, name)
    programme: tuple[str, str]
    klaster: int | None


def _hierarchy(source: MatrixRow | None, rows: dict[int, MatrixRow], fallback: str) -> _Hierarchy:
    """Walk the RAT matrix up from a sub-activity: the nearest kegiatan, the top programme and
    the klaster of the first RPKD programme met on the way."""
    if source is None:
        return _Hierarchy(("", fallback), ("", fallback), None)
    activity: tuple[str, str] | None = None
    programme = (source.code, source.name)
    klaster: int | None = None
    node: MatrixRow | None = source
    while node is not None:
        if node.level == RowLevel.ACTIVITY and activity is None:
            activity = (node.code, node.name)
        if node.level == RowLevel.PROGRAMME:
            programme = (node.code, node.name)
        if klaster is None and node.rpkd_programme_id is not None:
            klaster = node.rpkd_programme.klaster  # type: ignore[union-attr]
        node = rows.get(node.parent_id) if node.parent_id else None
    return _Hierarchy(activity or (source.code, source.name), programme, klaster)


def indicator_rows(*, year: int, quarter: int | None) -> list[dict[str, Any]]:
    instrument = instrument_for_year(year=year)
    if instrument is None:
        return []
    matrix = {
        r.pk: r
        for r in MatrixRow.objects.filter(plan_id=instrument.plan_id).select_related(
            "rpkd_programme"
        )
    }
    accepted: dict[int, dict[int, ReportValue]] = defaultdict(dict)
    values = ReportValue.objects.filter(
        report__period__instrument=instrument, report__state=ReportState.ACCEPTED
    ).select_related("report__period")
    if quarter is not None:
        values = values.filter(report__period__quarter__lte=quarter)
    for value in values:
        accepted[value.row_id][value.report.period.quarter] = value
    bands = predicate_bands()
    result: list[dict[str, Any]] = []
    for row in instrument.rows.select_related("opd").order_by("code"):
        by_quarter = accepted.get(row.pk, {})
        realisation: Decimal | None
        budget: Decimal | None
        if quarter is not None:
            current = by_quarter.get(quarter)
            realisation = current.physical if current else None
            budget = current.budget if current else None
            target = row.quarter_target(quarter)
        else:
            latest = by_quarter[max(by_quarter)] if by_quarter else None
            target = row.target
            budget = latest.budget if latest else None
            if row.aggregation == Aggregation.PER_QUARTER:
                physical = [v.physical for v in by_quarter.values() if v.physical is not None]
                realisation = sum(physical, Decimal(0)) if physical else None
            else:
                realisation = latest.physical if latest else None
        score = achievement(realisation=realisation, target=target, direction=row.direction)
        h = _hierarchy(matrix.get(row.source_row_id or 0), matrix, row.programme or row.name)
        result.append(
            {
                "level": "indicator",
                "key": row.code,
                "label": row.indicator,
                "code": row.code,
                "indicator": row.indicator,
                "unit": row.unit,
                "direction": row.direction,
                "activity_code": h.activity[0],
                "activity": h.activity[1],
                "programme_code": h.programme[0],
                "programme": h.programme[1],
                "klaster": h.klaster,
                "opd_id": row.opd_id,
                "opd": row.opd.acronym or row.opd.name,
                "realisation": realisation,
                "target": target,
                "achievement": score,
                "predicate": _band_dict(predicate_for(score, bands=bands)),
                "budget_ceiling": row.budget_ceiling,
                "budget_realised": budget,
                "absorption": _absorption(budget, row.budget_ceiling),
                "indicators": 1,
                "reported": bool(by_quarter if quarter is None else by_quarter.get(quarter)),
            }
        )
    return result


def _group_key(row: dict[str, Any], level: Level) -> tuple[str, str]:
    if level == "all":
        return ("all", "")
    if level == "activity":
        return (row["activity_code"] or row["activity"], row["activity"])
    if level == "programme":
        return (row["programme_code"] or row["programme"], row["programme"])
    if level == "opd":
        return (str(row["opd_id"]), row["opd"])
    klaster = row["klaster"]
    return (str(klaster or ""), str(Klaster(klaster).label) if klaster else "–")


def achievement_table(
    *,
    year: int,
    quarter: int | None = None,
    level: Level,
    organisation_id: int | None = None,
    rows: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Achievement of the year's published instrument from accepted reports only.

    ``quarter`` given: that quarter's realisation against its quarterly target; None: the year
    (cumulative rows: the latest accepted quarter against the annual target; per-quarter rows:
    the sum of the accepted quarters). Each dict: level, key, label, realisation, target,
    achievement, predicate ({short, label, colour} or None), budget_ceiling, budget_realised,
    absorption, indicators (count), opd_ids (the OPDs of the rows, for scoping) and, at the
    indicator level, the row's code, unit, direction, activity, programme, klaster and OPD.
    ``organisation_id``: that OPD's rows only (e.g. its own klaster averages). ``rows``: the
    indicator rows of that year and quarter when already read (several levels from one read).
    """
    if rows is None:
        rows = indicator_rows(year=year, quarter=quarter)
    if organisation_id is not None:
        rows = [r for r in rows if r["opd_id"] == organisation_id]
    if level == "indicator":
        return [{**row, "opd_ids": [row["opd_id"]]} for row in rows]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[_group_key(row, level)].append(row)
    bands = predicate_bands()
    table: list[dict[str, Any]] = []
    for (key, label), members in sorted(groups.items()):
        score = _mean([m["achievement"] for m in members if m["achievement"] is not None])
        ceiling = sum((m["budget_ceiling"] for m in members), Decimal(0))
        spent = [m["budget_realised"] for m in members if m["budget_realised"] is not None]
        realised = sum(spent, Decimal(0)) if spent else None
        table.append(
            {
                "level": level,
                "key": key,
                "label": label,
                "realisation": None,
                "target": None,
                "achievement": score,
                "predicate": _band_dict(predicate_for(score, bands=bands)),
                "budget_ceiling": ceiling,
                "budget_realised": realised,
                "absorption": _absorption(realised, ceiling),
                "indicators": len(members),
                "reported": sum(1 for m in members if m["reported"]),
                "opd_ids": sorted({m["opd_id"] for m in members}),
            }
        )
    return table


# --- macro indicators ---------------------------------------------------------------------------


def macro_series(*, indicator_code: str, region_code: str) -> list[dict[str, Any]]:
    """Every value of one indicator for one region, oldest first, with the target of its year."""
    targets = dict(
        MacroTarget.objects.filter(
            indicator__code=indicator_code, region_id=region_code
        ).values_list("year", "target")
    )
    values = MacroValue.objects.filter(
        indicator__code=indicator_code, region_id=region_code
    ).order_by("year", "month", "period")
    return [
        {
            "year": v.year,
            "period": v.period,
            "month": v.month,
            "label": f"{v.period} {v.year}".strip(),
            "value": v.value,
            "target": targets.get(v.year),
            "source": v.source,
        }
        for v in values
    ]


def macro_achievement(*, year: int) -> list[dict[str, Any]]:
    """Each target of ``year`` against the latest value of that year (direction-aware)."""
    bands = predicate_bands()
    latest: dict[tuple[int, str], MacroValue] = {}
    for v in MacroValue.objects.filter(year=year).order_by("month", "period"):
        latest[(v.indicator_id, v.region_id)] = v
    result: list[dict[str, Any]] = []
    for t in MacroTarget.objects.filter(year=year).select_related("indicator", "region"):
        value = latest.get((t.indicator_id, t.region_id))
        score = achievement(
            realisation=value.value if value else None,
            target=t.target,
            direction=t.indicator.direction,
        )
        result.append(
            {
                "indicator": t.indicator.code,
                "indicator_name": t.indicator.name,
                "unit": t.indicator.unit,
                "direction": t.indicator.direction,
                "region": t.region_id,
                "region_name": t.region.name,
                "year": year,
                "period": value.period if value else "",
                "value": value.value if value else None,
                "target": t.target,
                "target_source": t.source,
                "achievement": score,
                "predicate": _band_dict(predicate_for(score, bands=bands)),
            }
        )
    result.sort(key=lambda r: (r["region"], r["indicator"]))
    return result


def macro_targets() -> list[MacroTarget]:
    return list(
        MacroTarget.objects.select_related("indicator", "region").order_by(
            "indicator__ordering", "indicator__code", "region_id", "year"
        )
    )


def macro_indicators() -> list[MacroIndicator]:
    return list(MacroIndicator.objects.all())


# --- who sees the dashboard ---------------------------------------------------------------------


@dataclass(frozen=True)
class DashboardAccess:
    province_wide: bool
    organisation_ids: frozenset[int]  # OPD: its own programmes' rows
    region_codes: frozenset[str]  # Wilayah: its region
    can_refresh: bool

    def sees_organisation(self, organisation_id: int | None) -> bool:
        return self.province_wide or organisation_id in self.organisation_ids

    def sees_region(self, code: str) -> bool:
        """A region inside the user's scope (or the province/kota above it, for context); an
        OPD's scope is its organisation, not a region."""
        if self.province_wide or not self.region_codes:
            return True
        return any(
            code == r or code.startswith(r + ".") or r.startswith(code + ".")
            for r in self.region_codes
        )

    def sees_region_detail(self, code: str) -> bool:
        """A region at or below the user's scope (figures of that unit may be shown)."""
        if self.province_wide or not self.region_codes:
            return True
        return any(code == r or code.startswith(r + ".") for r in self.region_codes)


def dashboard_access(*, user: Any) -> DashboardAccess:
    """Sekretariat, Ketua, Gubernur and Tim Penyusun see all; an OPD its own programmes; a
    Wilayah user its region; anyone else is refused (PermissionDenied)."""
    scope = scope_for(user, DASHBOARD_ROLES)
    if scope.is_empty:
        raise PermissionDenied
    return DashboardAccess(
        province_wide=scope.province_wide,
        organisation_ids=scope_for(user, (Role.OPD,)).organisation_ids,
        region_codes=scope_for(user, (Role.WILAYAH,)).region_codes,
        can_refresh=not scope_for(user, (Role.SEKRETARIAT,)).is_empty,
    )
