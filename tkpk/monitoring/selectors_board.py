"""Reads behind the completeness board, the chair's summary, the follow-ups page and Matriks 2.

The states come from ``monitoring_board`` / ``board_for_user`` (the same grid the
``monitoring_board`` command prints); this module only adds what the pages need around them
(report ids for links, organisation names, counts, periods, averages), with the same scoping.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone

from tkpk.accounts.models import Organisation
from tkpk.monitoring.models import (
    FollowUp,
    FollowUpStatus,
    Instrument,
    InstrumentStatus,
    PeriodState,
    QuarterReport,
    ReportingPeriod,
    ReportState,
    ReportValue,
)
from tkpk.monitoring.rules import CENT, predicate
from tkpk.monitoring.selectors import board_for_user, follow_ups_for_user, monitoring_scope

QUARTERS = (1, 2, 3, 4)
# The board's cell states in display order ("scheduled": the quarter has not opened yet).
BOARD_STATES = ("scheduled", *ReportState.values)
LATE = "late"


def opd_label(opd: Organisation) -> str:
    """The board's key of an OPD (as ``monitoring_board`` writes it)."""
    return opd.acronym or opd.name


def board_years() -> list[int]:
    """Years with a published instrument, newest first."""
    years = Instrument.objects.filter(status=InstrumentStatus.PUBLISHED).values_list(
        "year", flat=True
    )
    return sorted(set(years), reverse=True)


def instrument_published(*, year: int) -> Instrument | None:
    return (
        Instrument.objects.filter(year=year, status=InstrumentStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )


def require_province_wide(user: Any) -> None:
    """Province-wide readers only (outsiders get a 404 from ``monitoring_scope``)."""
    if not monitoring_scope(user).province_wide:
        raise PermissionDenied


@dataclass
class BoardFilter:
    quarter: int | None = None
    state: str = ""
    opd: str = ""


@dataclass
class BoardRow:
    label: str
    name: str
    rows: int
    cells: dict[int, dict[str, Any]] = field(default_factory=dict)
    # The cells in the order of the quarters shown (None where the OPD has no entry).
    cell_list: list[dict[str, Any] | None] = field(default_factory=list)


@dataclass
class Board:
    year: int
    instrument: Instrument | None
    quarters: list[int]
    rows: list[BoardRow]
    counts: dict[int, dict[str, int]]
    periods: dict[int, ReportingPeriod]


def _matches(cell: dict[str, Any], state: str) -> bool:
    return bool(cell["late"]) if state == LATE else cell["state"] == state


def board_grid_for_user(*, user: Any, year: int, filters: BoardFilter | None = None) -> Board:
    """The OPD × quarter grid as the user may see it, filtered; counts of the cells shown."""
    filters = filters or BoardFilter()
    entries = board_for_user(user=user, year=year)
    instrument = instrument_published(year=year)
    periods: dict[int, ReportingPeriod] = {}
    report_ids: dict[tuple[str, int], int] = {}
    names: dict[str, str] = {}
    if instrument is not None:
        scope = monitoring_scope(user)
        periods = {p.quarter: p for p in instrument.periods.order_by("quarter")}
        for report in QuarterReport.objects.filter(
            scope.organisation_q("opd_id"), period__instrument=instrument
        ).select_related("opd", "period"):
            report_ids[(opd_label(report.opd), report.period.quarter)] = report.pk
        for row in instrument.rows.select_related("opd"):
            names[opd_label(row.opd)] = row.opd.name
    quarters = [filters.quarter] if filters.quarter in QUARTERS else list(QUARTERS)
    by_opd: dict[str, BoardRow] = {}
    for entry in entries:
        label = entry["opd"]
        line = by_opd.setdefault(
            label, BoardRow(label=label, name=names.get(label, label), rows=entry["rows"])
        )
        if entry["quarter"] in quarters:
            cell = dict(entry)
            cell["report_id"] = report_ids.get((label, entry["quarter"]))
            line.cells[entry["quarter"]] = cell
    needle = filters.opd.strip().casefold()
    rows = [
        line
        for line in sorted(by_opd.values(), key=lambda r: r.label.casefold())
        if (not needle or needle in line.label.casefold() or needle in line.name.casefold())
        and (not filters.state or any(_matches(c, filters.state) for c in line.cells.values()))
    ]
    for line in rows:
        line.cell_list = [line.cells.get(q) for q in quarters]
    counts: dict[int, dict[str, int]] = {}
    for quarter in quarters:
        tally: Counter[str] = Counter()
        for line in rows:
            shown = line.cells.get(quarter)
            if shown is None:
                continue
            tally[shown["state"]] += 1
            tally[LATE] += int(bool(shown["late"]))
        counts[quarter] = {s: tally[s] for s in (*BOARD_STATES, LATE)}
    return Board(
        year=year,
        instrument=instrument,
        quarters=quarters,
        rows=rows,
        counts=counts,
        periods=periods,
    )


# --- the chair's view ------------------------------------------------------------------------


def _average(values: list[Decimal]) -> Decimal | None:
    if not values:
        return None
    return (sum(values, Decimal(0)) / len(values)).quantize(CENT)


@dataclass
class ChairQuarter:
    quarter: int
    period_state: str
    period_label: str
    total: int
    counts: dict[str, int]
    accepted_pct: Decimal | None
    reported_pct: Decimal | None
    late: list[str]


@dataclass
class ChairOpd:
    label: str
    name: str
    # quarter → {"achievement", "absorption", "predicate": (code, label) | None}
    quarters: dict[int, dict[str, Any]]


def chair_summary_for_user(*, user: Any, year: int) -> tuple[list[ChairQuarter], list[ChairOpd]]:
    """Completeness per quarter and, from accepted reports only, each OPD's average achievement
    and budget absorption with its predicate."""
    board = board_grid_for_user(user=user, year=year)
    quarters: list[ChairQuarter] = []
    for quarter in QUARTERS:
        cells = [line.cells[quarter] for line in board.rows if quarter in line.cells]
        if not cells:
            continue
        total = len(cells)
        counts = board.counts[quarter]
        opened = cells[0]["period_state"] != PeriodState.SCHEDULED
        reported = counts[ReportState.SUBMITTED] + counts[ReportState.ACCEPTED]
        quarters.append(
            ChairQuarter(
                quarter=quarter,
                period_state=cells[0]["period_state"],
                period_label=str(PeriodState(cells[0]["period_state"]).label),
                total=total,
                counts=counts,
                accepted_pct=(
                    (Decimal(100) * counts[ReportState.ACCEPTED] / total).quantize(CENT)
                    if opened
                    else None
                ),
                reported_pct=(Decimal(100) * reported / total).quantize(CENT) if opened else None,
                late=[line.label for line in board.rows if line.cells.get(quarter, {}).get("late")],
            )
        )
    scope = monitoring_scope(user)
    values = ReportValue.objects.filter(
        scope.organisation_q("report__opd_id"),
        report__period__instrument=board.instrument,
        report__state=ReportState.ACCEPTED,
    ).values_list(
        "report__opd__acronym",
        "report__opd__name",
        "report__period__quarter",
        "achievement",
        "budget_absorption",
    )
    achievements: dict[tuple[str, int], list[Decimal]] = defaultdict(list)
    absorptions: dict[tuple[str, int], list[Decimal]] = defaultdict(list)
    for acronym, name, quarter, ach, absorption in values:
        key = (acronym or name, quarter)
        if ach is not None:
            achievements[key].append(ach)
        if absorption is not None:
            absorptions[key].append(absorption)
    opds: list[ChairOpd] = []
    for line in board.rows:
        per_quarter: dict[int, dict[str, Any]] = {}
        for quarter in QUARTERS:
            avg = _average(achievements.get((line.label, quarter), []))
            per_quarter[quarter] = {
                "achievement": avg,
                "absorption": _average(absorptions.get((line.label, quarter), [])),
                "predicate": predicate(avg),
            }
        opds.append(ChairOpd(label=line.label, name=line.name, quarters=per_quarter))
    return quarters, opds


# --- follow-ups --------------------------------------------------------------------------------

FOLLOW_UP_STATUSES = ("open", "closed", "overdue")


def follow_up_list_for_user(
    *, user: Any, period: ReportingPeriod, status: str = "", today: date | None = None
) -> QuerySet[FollowUp]:
    """The period's follow-ups (incl. those carried into it), filtered by open/closed/overdue."""
    today = today or timezone.localdate()
    items = follow_ups_for_user(user=user, period=period).select_related("value__row")
    if status == "open":
        items = items.filter(status=FollowUpStatus.OPEN)
    elif status == "closed":
        items = items.filter(status=FollowUpStatus.CLOSED)
    elif status == "overdue":
        items = items.filter(status=FollowUpStatus.OPEN, due_on__lt=today)
    return items.order_by("due_on", "id")


def follow_up_get_for_user(*, user: Any, pk: int) -> FollowUp:
    item = follow_ups_for_user(user=user).filter(pk=pk).first()
    if item is None:
        raise Http404
    return item


def period_for_year(*, year: int, quarter: int) -> ReportingPeriod | None:
    instrument = instrument_published(year=year)
    if instrument is None:
        return None
    return instrument.periods.filter(quarter=quarter).first()
