"""The province dashboard as one user may see it, read from the stored snapshots only.

Every chart is drawn from a ``Table`` (its numbers), the same tables the page shows and the CSV
downloads write, so a chart and its table can never disagree. Scoping is applied here: an OPD
sees its own programmes' rows, a Wilayah user its region, the others everything.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from tkpk.evaluation.models import DashboardSnapshot
from tkpk.evaluation.selectors import DashboardAccess
from tkpk.regions.models import KEMENDAGRI_CODE_RE

CHILD_LEVEL = {1: "kota", 2: "kecamatan", 3: "kelurahan", 4: "kelurahan"}
# The shape of the stored payloads: raised whenever it changes, so snapshots written by an earlier
# version are read as missing (never misread) and recomputed by the periodic refresh.
SNAPSHOT_FORMAT = 3
COUNTS = ("target_households", "reached", "not_reached", "inclusion")
STATES = ("scheduled", "not_started", "draft", "submitted", "returned", "accepted")


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Any]] = field(default_factory=list)
    # Per row: a drill-down region code (or "") for the first cell's link.
    drill: list[str] = field(default_factory=list)

    # Columns shown as they are (codes such as "31.71" that look like numbers).
    keep: frozenset[int] = frozenset()
    note: str = ""  # how to read the figures, under the title

    @property
    def lines(self) -> list[tuple[str, list[Any]]]:
        """(drill-down region code or "", cells) per row, as stored (the CSV writes these)."""
        codes = self.drill + [""] * (len(self.rows) - len(self.drill))
        return list(zip(codes, self.rows, strict=True))

    @property
    def display_lines(self) -> list[tuple[str, list[Any]]]:
        """The same with numbers in the language's format (1.234,5 in Indonesian)."""
        return [
            (code, [cell if i in self.keep else _display(cell) for i, cell in enumerate(cells)])
            for code, cells in self.lines
        ]


NUMBER_RE = re.compile(r"-?\d+(\.\d+)?")


def _display(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, (int, float, Decimal)) or (
        isinstance(value, str) and NUMBER_RE.fullmatch(value)
    ):
        return number_format(Decimal(str(value)), force_grouping=True)
    return value


@dataclass
class Dashboard:
    year: int
    region: str
    computed_at: datetime | None
    tables: dict[str, Table]
    charts: list[dict[str, Any]]
    region_names: dict[str, str]
    map_data: dict[str, dict[str, Any]]
    breadcrumbs: list[tuple[str, str]]
    release_label: str = ""
    quarter: int | None = None  # programme achievement of that quarter (None: the year)


def snapshots_for_year(*, year: int) -> dict[str, DashboardSnapshot]:
    return {s.key: s for s in DashboardSnapshot.objects.filter(year=year)}


SnapshotVersions = dict[int, tuple[tuple[str, str], ...]]


def snapshot_versions() -> SnapshotVersions:
    """Per year, (key, computed_at) of its snapshots, without their payloads, in one small query:
    the years on offer, and a version that changes whenever a snapshot is recomputed (a cache
    keyed on it is never stale)."""
    versions: dict[int, list[tuple[str, str]]] = defaultdict(list)
    rows = DashboardSnapshot.objects.order_by("year", "key").values_list(
        "year", "key", "computed_at"
    )
    for year, key, at in rows:
        versions[year].append((key, at.isoformat()))
    return {year: tuple(items) for year, items in versions.items()}


def snapshot_years() -> list[int]:
    return sorted(snapshot_versions(), reverse=True)


def province_code() -> str:
    return str(getattr(settings, "TKPK_PROVINCE_CODE", "31") or "31")


def region_default(access: DashboardAccess) -> str:
    if access.province_wide or not access.region_codes:
        return province_code()
    return sorted(access.region_codes)[0]


def region_clean(access: DashboardAccess, value: str) -> str:
    """The drill-down region asked for if valid and visible, else the user's default."""
    value = (value or "").strip()
    if value and KEMENDAGRI_CODE_RE.match(value) and access.sees_region(value):
        return value
    return region_default(access)


def _num(value: Any) -> float | None:
    if value in (None, ""):
        return None
    return float(Decimal(str(value)))


def _ancestors(code: str) -> list[str]:
    parts = code.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


# --- sections -----------------------------------------------------------------------------------


def _macro(
    payload: dict[str, Any], access: DashboardAccess, region: str
) -> tuple[list[Table], list[dict[str, Any]], dict[str, str]]:
    series: dict[str, dict[str, list[dict[str, Any]]]] = payload.get("series", {})
    names: dict[str, str] = payload.get("regions", {})
    indicators = {i["code"]: i for i in payload.get("indicators", [])}
    # The nearest region with a series at or above the drill-down region.
    shown = next((c for c in reversed(_ancestors(region)) if c in series), "")
    tables: list[Table] = []
    charts: list[dict[str, Any]] = []
    for code, points in series.get(shown, {}).items():
        meta = indicators.get(code, {"name": code, "unit": ""})
        table = Table(
            key=f"macro-{code}",
            title=f"{meta['name']} ({meta['unit']}) · {names.get(shown, shown)}",
            headers=[_("Period"), _("Value"), _("Target"), _("Source")],
            rows=[[p["label"], p["value"], p["target"], p["source"]] for p in points],
        )
        tables.append(table)
        charts.append(
            {
                "id": f"chart-macro-{code}",
                "table": table.key,
                "title": table.title,
                "type": "line",
                "labels": [p["label"] for p in points],
                "datasets": [
                    {"label": _("Value"), "data": [_num(p["value"]) for p in points]},
                    {"label": _("Target"), "data": [_num(p["target"]) for p in points]},
                ],
            }
        )
    achievement = [
        r for r in payload.get("achievement", []) if access.sees_region(str(r["region"]))
    ]
    tables.append(
        Table(
            key="macro-achievement",
            title=_("Macro indicators against their targets"),
            headers=[
                _("Region"),
                _("Indicator"),
                _("Period"),
                _("Value"),
                _("Target"),
                _("Achievement (%)"),
                _("Predicate"),
                _("Source of the target"),
            ],
            rows=[
                [
                    r["region_name"],
                    r["indicator_name"],
                    f"{r['period']} {r['year']}".strip(),
                    r["value"],
                    r["target"],
                    r["achievement"],
                    (r["predicate"] or {}).get("label", ""),
                    r["target_source"],
                ]
                for r in achievement
            ],
        )
    )
    # Drill-down: the latest P0 of every region with a series below the province.
    latest = []
    for code in sorted(series):
        if not access.sees_region(code) or code.count(".") != 1:
            continue
        p0 = series[code].get("P0") or []
        if p0:
            latest.append((code, p0[-1]))
    tables.append(
        Table(
            key="macro-regions",
            title=_("Poverty rate (P0) per kota"),
            headers=[_("Region"), _("Period"), _("P0 (%)")],
            rows=[[names.get(c, c), p["label"], p["value"]] for c, p in latest],
            drill=[c for c, _p in latest],
        )
    )
    return tables, charts, names


def _achievement(
    payload: dict[str, Any], access: DashboardAccess, quarter: int | None
) -> tuple[list[Table], list[dict[str, Any]]]:
    if not access.province_wide and not access.organisation_ids:
        return [], []  # Wilayah: programme achievement is not regional
    period_tables: dict[str, Any] = (
        payload.get("year", {})
        if quarter is None
        else payload.get("quarter", {}).get(str(quarter), {})
    )

    def visible(row: dict[str, Any]) -> bool:
        return access.province_wide or set(row.get("opd_ids", [])) <= access.organisation_ids

    headers = [
        _("Name"),
        _("Indicators"),
        _("Achievement (%)"),
        _("Predicate"),
        _("Budget ceiling (Rp)"),
        _("Budget realised (Rp)"),
        _("Absorption (%)"),
    ]

    def group_table(key: str, level: str, title: str) -> Table:
        rows = [r for r in period_tables.get(level, []) if visible(r)]
        if level == "klaster" and not access.province_wide:
            # A klaster holds several OPDs' rows: an OPD sees the averages of its own rows.
            own = period_tables.get("klaster_by_opd", {})
            rows = [r for pk in sorted(access.organisation_ids) for r in own.get(str(pk), [])]
        return Table(
            key=key,
            title=title,
            headers=headers,
            rows=[
                [
                    r["label"],
                    r["indicators"],
                    r["achievement"],
                    (r["predicate"] or {}).get("label", ""),
                    r["budget_ceiling"],
                    r["budget_realised"],
                    r["absorption"],
                ]
                for r in rows
            ],
        )

    by_opd = group_table("achievement-opd", "opd", _("Programme achievement by OPD"))
    by_programme = group_table("achievement-programme", "programme", _("Achievement per programme"))
    by_activity = group_table("achievement-activity", "activity", _("Achievement per activity"))
    by_klaster = group_table(
        "achievement-klaster", "klaster", _("Programme achievement by klaster")
    )
    indicators = [r for r in period_tables.get("indicator", []) if visible(r)]
    by_indicator = Table(
        key="achievement-indicator",
        keep=frozenset({0}),  # codes such as "1.01"
        title=_("Achievement per indicator"),
        headers=[
            _("Code"),
            _("Indicator"),
            _("OPD"),
            _("Programme"),
            _("Realisation"),
            _("Target"),
            _("Achievement (%)"),
            _("Predicate"),
            _("Absorption (%)"),
        ],
        rows=[
            [
                r["code"],
                r["indicator"],
                r["opd"],
                r["programme"],
                r["realisation"],
                r["target"],
                r["achievement"],
                (r["predicate"] or {}).get("label", ""),
                r["absorption"],
            ]
            for r in indicators
        ],
    )
    quarter_labels = ["TW I", "TW II", "TW III", "TW IV"]
    quarters = payload.get("quarter", {})
    trend = _trend_table(
        {q: t.get("opd", []) for q, t in quarters.items()},
        {q: t.get("all", []) for q, t in quarters.items()},
        ["1", "2", "3", "4"],
        visible,
        access,
        key="achievement-quarters",
        title=_("Average achievement per quarter (%)"),
        headers=[_("OPD"), *quarter_labels],
    )
    trend.note = _(
        "Each quarter compares its realisation with that quarter's target; the year compares "
        "the latest cumulative realisation with the annual target, so the two can differ."
    )
    year_trend = payload.get("years", {})
    years = sorted(year_trend)
    by_year = _trend_table(
        {y: t.get("opd", []) for y, t in year_trend.items()},
        {y: t.get("all", []) for y, t in year_trend.items()},
        years,
        visible,
        access,
        key="achievement-years",
        title=_("Average achievement per year (%)"),
        headers=[_("OPD"), *years],
    )
    charts = [
        {
            "id": "chart-achievement-opd",
            "table": by_opd.key,
            "title": by_opd.title,
            "type": "bar",
            "labels": [r[0] for r in by_opd.rows],
            "datasets": [
                {"label": _("Achievement (%)"), "data": [_num(r[2]) for r in by_opd.rows]},
                {"label": _("Absorption (%)"), "data": [_num(r[6]) for r in by_opd.rows]},
            ],
        },
        {
            "id": "chart-achievement-klaster",
            "table": by_klaster.key,
            "title": by_klaster.title,
            "type": "bar",
            "labels": [r[0] for r in by_klaster.rows],
            "datasets": [
                {"label": _("Achievement (%)"), "data": [_num(r[2]) for r in by_klaster.rows]},
                {"label": _("Absorption (%)"), "data": [_num(r[6]) for r in by_klaster.rows]},
            ],
        },
    ]
    charts += [
        _trend_chart("chart-achievement-quarters", trend, quarter_labels, access),
        _trend_chart("chart-achievement-years", by_year, years, access),
    ]
    return [by_opd, by_klaster, trend, by_year, by_programme, by_activity, by_indicator], charts


def _trend_table(
    groups: dict[str, list[dict[str, Any]]],
    overall: dict[str, list[dict[str, Any]]],
    periods: list[str],
    visible: Any,
    access: DashboardAccess,
    *,
    key: str,
    title: str,
    headers: list[str],
) -> Table:
    """One row per OPD the user sees (its average achievement in each period) and, for the
    province-wide roles, a first row for all programmes together."""
    by_label: dict[str, dict[str, Any]] = defaultdict(dict)
    for period in periods:
        for r in groups.get(period, []):
            if visible(r):
                by_label[r["label"]][period] = r["achievement"]
    rows = [
        [label, *(values.get(p) for p in periods)] for label, values in sorted(by_label.items())
    ]
    if access.province_wide and rows:
        first = {p: next(iter(overall.get(p, [])), {}).get("achievement") for p in periods}
        rows.insert(0, [_("All programmes"), *(first[p] for p in periods)])
    return Table(key=key, title=title, headers=headers, rows=rows)


def _trend_chart(
    chart_id: str, table: Table, labels: list[str], access: DashboardAccess
) -> dict[str, Any]:
    """The overall line for the province-wide roles (every OPD's line would be unreadable; the
    table has them), else a line per OPD the user sees."""
    rows = table.rows[:1] if access.province_wide else table.rows[:8]
    return {
        "id": chart_id,
        "table": table.key,
        "title": table.title,
        "type": "line",
        "all_lines": True,
        "from_zero": True,
        "labels": labels,
        "datasets": [{"label": r[0], "data": [_num(v) for v in r[1:]]} for r in rows],
    }


def _completeness(
    payload: dict[str, Any], access: DashboardAccess
) -> tuple[list[Table], list[dict[str, Any]]]:
    if not access.province_wide and not access.organisation_ids:
        return [], []
    board = [
        e
        for e in payload.get("board", [])
        if access.province_wide or access.sees_organisation(e["opd_id"])
    ]
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(STATES, 0))
    late: dict[int, int] = defaultdict(int)
    for e in board:
        counts[e["quarter"]][e["state"]] = counts[e["quarter"]].get(e["state"], 0) + 1
        late[e["quarter"]] += 1 if e["late"] else 0
    quarters = sorted(counts)
    table = Table(
        key="completeness",
        title=_("Reporting completeness per quarter (number of OPD reports)"),
        headers=[_("Quarter"), *[_state_label(s) for s in STATES], _("Late")],
        rows=[[f"TW {q}", *(counts[q][s] for s in STATES), late[q]] for q in quarters],
    )
    chart = {
        "id": "chart-completeness",
        "counts": True,
        "table": table.key,
        "title": table.title,
        "type": "bar",
        "stacked": True,
        "labels": [r[0] for r in table.rows],
        "datasets": [
            {"label": _state_label(s), "data": [counts[q][s] for q in quarters]} for s in STATES
        ],
    }
    return [table], [chart]


def _state_label(state: str) -> str:
    labels = {
        "scheduled": _("Not open yet"),
        "not_started": _("Not started"),
        "draft": _("Draft"),
        "submitted": _("Submitted"),
        "returned": _("Returned"),
        "accepted": _("Accepted"),
    }
    return labels.get(state, state)


def _rate(r: dict[str, Any]) -> Decimal | None:
    if not r["target_households"]:
        return None
    return (Decimal(r["not_reached"]) * 100 / Decimal(r["target_households"])).quantize(
        Decimal("0.1")
    )


def _coverage(
    payload: dict[str, Any], access: DashboardAccess, region: str
) -> tuple[list[Table], list[dict[str, Any]], dict[str, dict[str, Any]], str]:
    """Per region of the next level down and per programme (a household counts once in each
    programme that targets it, so programmes are never added together in the table); the map
    shows the rate over the programmes the user sees."""
    if not payload.get("release"):
        return [], [], {}, ""
    names: dict[str, str] = payload.get("names", {})
    depth = region.count(".") + 1
    level = CHILD_LEVEL[depth]
    all_programmes = access.province_wide or not access.organisation_ids or access.region_codes
    per_programme = [
        r
        for r in payload.get("per_programme", [])
        if all_programmes or set(r.get("opd_ids", [])) & access.organisation_ids
    ]

    def inside(code: str) -> bool:
        if depth == 4:
            return code == region
        return code.startswith(region + ".") and access.sees_region_detail(code)

    shown = sorted(
        (r for r in per_programme if r["level"] == level and inside(r["code"])),
        key=lambda r: (r["code"], r["programme"]),
    )
    table = Table(
        key="coverage",
        title=_("Coverage of the priority target data per programme (households)"),
        headers=[
            _("Region"),
            _("Code"),
            _("Programme"),
            _("Target households"),
            _("Reached"),
            _("Not reached"),
            _("Exclusion rate (%)"),
            _("Outside the target deciles"),
        ],
        rows=[
            [
                names.get(r["code"], r["code"]),
                r["code"],
                r["programme"],
                r["target_households"],
                r["reached"],
                r["not_reached"],
                _rate(r),
                r["inclusion"],
            ]
            for r in shown
        ],
        drill=[r["code"] if level != "kelurahan" else "" for r in shown],
        keep=frozenset({1}),
    )
    regions = list(dict.fromkeys(r["code"] for r in shown))
    programmes = sorted({r["programme"] for r in shown})
    rates = {(r["code"], r["programme"]): _num(_rate(r)) for r in shown}
    chart = {
        "id": "chart-coverage",
        "table": table.key,
        "title": _("Exclusion rate per programme (%)"),
        "type": "bar",
        "horizontal": True,
        "labels": [names.get(c, c) for c in regions],
        "datasets": [
            {"label": p, "data": [rates.get((c, p)) for c in regions]} for p in programmes
        ],
    }
    # The map: one rate per kelurahan over the programmes the user sees.
    sums: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for r in per_programme:
        if r["level"] == "kelurahan" and (
            (r["code"] == region or r["code"].startswith(region + "."))
            and access.sees_region_detail(r["code"])
        ):
            for c in COUNTS:
                sums[r["code"]][c] += int(r[c])
    map_data = {
        code: {
            "name": names.get(code, code),
            "target": f["target_households"],
            "reached": f["reached"],
            "not_reached": f["not_reached"],
            "inclusion": f["inclusion"],
            "rate": (f["not_reached"] / f["target_households"]) if f["target_households"] else None,
        }
        for code, f in sorted(sums.items())
    }
    release = payload["release"]
    as_of = date.fromisoformat(release["as_of"]) if release.get("as_of") else None
    label = f"{release.get('source', '')} {date_format(as_of, 'j F Y') if as_of else ''}"
    return [table], [chart], map_data, label.strip()


def _tasks(
    payload: dict[str, Any], access: DashboardAccess
) -> tuple[list[Table], list[dict[str, Any]]]:
    counts: dict[str, int] = defaultdict(int)
    for r in payload.get("overdue", []):
        if (
            access.province_wide
            or (r["organisation_id"] is not None and access.sees_organisation(r["organisation_id"]))
            or (r["region_id"] and access.sees_region_detail(r["region_id"]))
        ):
            counts[r["lane"]] += r["n"]
    table = Table(
        key="tasks",
        title=_("Overdue process tasks by lane"),
        headers=[_("Lane"), _("Overdue tasks")],
        rows=[[lane, n] for lane, n in sorted(counts.items())],
    )
    chart = {
        "id": "chart-tasks",
        "counts": True,
        "table": table.key,
        "title": table.title,
        "type": "bar",
        "labels": [r[0] for r in table.rows],
        "datasets": [{"label": _("Overdue tasks"), "data": [r[1] for r in table.rows]}],
    }
    return [table], [chart]


def dashboard_for_user(
    *, access: DashboardAccess, year: int, region: str, quarter: int | None = None
) -> Dashboard:
    """Everything the page (and the CSV downloads) show, from the stored snapshots."""
    snapshots = snapshots_for_year(year=year)

    def payload(key: str) -> dict[str, Any]:
        snap = snapshots.get(key)
        if snap is None or not isinstance(snap.payload, dict):
            return {}
        return snap.payload if snap.payload.get("format") == SNAPSHOT_FORMAT else {}

    tables: list[Table] = []
    charts: list[dict[str, Any]] = []
    macro_tables, macro_charts, names = _macro(payload("macro"), access, region)
    tables += macro_tables
    charts += macro_charts
    for section in (
        _achievement(payload("achievement"), access, quarter),
        _completeness(payload("completeness"), access),
    ):
        tables += section[0]
        charts += section[1]
    cov_tables, cov_charts, map_data, release_label = _coverage(payload("coverage"), access, region)
    tables += cov_tables
    charts += cov_charts
    task_tables, task_charts = _tasks(payload("tasks"), access)
    tables += task_tables
    charts += task_charts
    all_names = {**payload("coverage").get("names", {}), **names}
    crumbs = [(c, all_names.get(c, c)) for c in _ancestors(region) if access.sees_region(c)]
    computed = [
        s.computed_at
        for s in snapshots.values()
        if isinstance(s.payload, dict) and s.payload.get("format") == SNAPSHOT_FORMAT
    ]
    return Dashboard(
        year=year,
        quarter=quarter,
        region=region,
        computed_at=min(computed) if computed else None,
        tables={t.key: t for t in tables},
        charts=charts,
        region_names=all_names,
        map_data=map_data,
        breadcrumbs=crumbs,
        release_label=release_label,
    )
