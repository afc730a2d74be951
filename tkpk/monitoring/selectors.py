"""Permission-aware reads. An OPD sees only its own rows, reports and follow-ups; the
secretariat, the Ketua and the Gubernur see everything; anyone else gets a 404."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Count, QuerySet
from django.http import Http404
from django.utils import timezone

from tkpk.core.permissions import Scope, scope_for
from tkpk.core.roles import OVERSIGHT_ROLES, Role
from tkpk.monitoring.models import (
    EDITABLE_STATES,
    FollowUp,
    Instrument,
    InstrumentRow,
    InstrumentStatus,
    QuarterReport,
    ReportingPeriod,
    ReportValue,
)

READERS = frozenset({*OVERSIGHT_ROLES, Role.OPD, Role.TIM_PENYUSUN})


def monitoring_scope(user: Any) -> Scope:
    """Province-wide for the oversight roles and the drafting team; own agency for an OPD."""
    scope = scope_for(user, READERS)
    if scope.is_empty:
        raise Http404
    return scope


def instrument_get_for_user(*, user: Any, pk: int) -> Instrument:
    monitoring_scope(user)
    instrument = Instrument.objects.select_related("plan", "instance").filter(pk=pk).first()
    if instrument is None:
        raise Http404
    return instrument


def instrument_rows_for_user(*, user: Any, instrument: Instrument) -> QuerySet[InstrumentRow]:
    scope = monitoring_scope(user)
    return (
        instrument.rows.filter(scope.organisation_q("opd_id"))
        .select_related("opd")
        .prefetch_related("locations")
        .order_by("code")
    )


def reports_for_user(*, user: Any, period: ReportingPeriod) -> QuerySet[QuarterReport]:
    scope = monitoring_scope(user)
    return period.reports.filter(scope.organisation_q("opd_id")).select_related("opd")


def report_get_for_user(*, user: Any, pk: int) -> QuarterReport:
    scope = monitoring_scope(user)
    report = (
        QuarterReport.objects.select_related("period__instrument", "opd")
        .filter(scope.organisation_q("opd_id"), pk=pk)
        .first()
    )
    if report is None:
        raise Http404
    return report


def report_values_for_user(*, user: Any, report: QuarterReport) -> QuerySet[ReportValue]:
    scope = monitoring_scope(user)
    if not scope.covers_organisation(report.opd_id):
        raise Http404
    return report.values.select_related("row").order_by("row__code")


def value_get_for_user(*, user: Any, pk: int) -> ReportValue:
    scope = monitoring_scope(user)
    value = (
        ReportValue.objects.select_related("report__period", "row")
        .filter(scope.organisation_q("report__opd_id"), pk=pk)
        .first()
    )
    if value is None:
        raise Http404
    return value


def follow_ups_for_user(
    *, user: Any, period: ReportingPeriod | None = None, open_only: bool = False
) -> QuerySet[FollowUp]:
    scope = monitoring_scope(user)
    items = FollowUp.objects.filter(scope.organisation_q("owner_id")).select_related(
        "owner", "period", "raised_in"
    )
    if period is not None:
        items = items.filter(period=period)
    if open_only:
        items = items.filter(status="open")
    return items


def monitoring_board(*, year: int, today: date | None = None) -> list[dict[str, Any]]:
    """The completeness grid of the year's published instrument: one entry per OPD × quarter.

    A quarter not open yet shows ``"scheduled"`` for every OPD. ``late`` is true for a report
    submitted after its due date, or still unsubmitted after it.
    """
    today = today or timezone.localdate()
    instrument = (
        Instrument.objects.filter(year=year, status=InstrumentStatus.PUBLISHED)
        .order_by("-number")
        .first()
    )
    if instrument is None:
        return []
    counts = {
        r["opd__acronym"] or r["opd__name"]: r["n"]
        for r in instrument.rows.values("opd__acronym", "opd__name").annotate(n=Count("id"))
    }
    board: list[dict[str, Any]] = []
    for period in instrument.periods.order_by("quarter"):
        reports = {(r.opd.acronym or r.opd.name): r for r in period.reports.select_related("opd")}
        for opd in sorted(counts):
            report = reports.get(opd)
            if report is None:
                state, late, submitted = "scheduled", False, None
            else:
                state = report.state
                overdue = report.state in EDITABLE_STATES and today > period.due_on
                late = report.late or overdue
                submitted = report.submitted_at.isoformat() if report.submitted_at else None
            board.append(
                {
                    "opd": opd,
                    "quarter": period.quarter,
                    "state": state,
                    "late": late,
                    "rows": counts[opd],
                    "submitted_at": submitted,
                    "period_state": period.state,
                }
            )
    board.sort(key=lambda e: (e["opd"], e["quarter"]))
    return board


def board_for_user(*, user: Any, year: int) -> list[dict[str, Any]]:
    """The board as a user may see it: an OPD only its own line."""
    scope = monitoring_scope(user)
    board = monitoring_board(year=year)
    if scope.province_wide:
        return board
    from tkpk.accounts.models import Organisation  # noqa: PLC0415 (keep the module import-light)

    own = {o.acronym or o.name for o in Organisation.objects.filter(pk__in=scope.organisation_ids)}
    return [e for e in board if e["opd"] in own]


def period_get_for_user(*, user: Any, pk: int) -> ReportingPeriod:
    monitoring_scope(user)
    period = ReportingPeriod.objects.select_related("instrument").filter(pk=pk).first()
    if period is None:
        raise Http404
    return period
