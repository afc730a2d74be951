# No "from __future__ import annotations": django-ninja reads these annotations at run time.
"""Monitoring over the API: the completeness board, the quarterly reports with their values,
and an OPD's save of one value. Same selectors and services as the pages: an OPD sees and
changes only its own reports (another OPD's answer 404), outsiders get 403."""

from datetime import datetime
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from ninja import Field, Query, Router, Schema, Status

from tkpk.accounts.models import User
from tkpk.api.schemas import ErrorOut
from tkpk.core.permissions import require_member
from tkpk.monitoring import selectors as sel
from tkpk.monitoring.models import QuarterReport, ReportValue
from tkpk.monitoring.selectors_board import board_grid_for_user, period_for_year
from tkpk.monitoring.services_reports import report_value_save, value_editable
from tkpk.planning.services import ConcurrentEditError

router = Router(tags=["monitoring"])

YEAR = Field(..., ge=2000, le=2100, description="The instrument's year.")


class BoardEntryOut(Schema):
    opd: str
    quarter: int
    state: str
    late: bool
    rows: int
    submitted_at: str | None
    period_state: str
    report_id: int | None


class ReportOut(Schema):
    id: int
    opd: str
    year: int
    quarter: int
    state: str
    late: bool
    period_state: str
    submitted_at: datetime | None
    verified_at: datetime | None
    verify_comment: str
    lock_version: int


class ValueOut(Schema):
    id: int
    code: str
    programme: str
    name: str
    indicator: str
    unit: str
    direction: str
    aggregation: str
    target: Decimal | None
    budget_ceiling: Decimal
    physical: Decimal | None
    budget: Decimal | None
    beneficiaries: int | None
    beneficiaries_by_desil: dict[str, int]
    beneficiaries_by_sex: dict[str, int]
    achievement: Decimal | None
    budget_absorption: Decimal | None
    problems: str
    drivers: str
    explanation: str
    return_comment: str
    editable: bool
    lock_version: int


class ReportDetailOut(ReportOut):
    values: list[ValueOut]


class ValuePatch(Schema):
    """Only the fields sent are changed. ``lock_version`` is the one read with the value."""

    lock_version: int
    physical: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=4)
    budget: Decimal | None = Field(None, ge=0, max_digits=18, decimal_places=2)
    beneficiaries: int | None = Field(None, ge=0, le=2_000_000_000)
    beneficiaries_by_desil: dict[str, int] | None = None
    beneficiaries_by_sex: dict[str, int] | None = None
    problems: str | None = Field(None, max_length=4000)
    drivers: str | None = Field(None, max_length=4000)
    explanation: str | None = Field(None, max_length=4000)


class BoardQuery(Schema):
    year: int = YEAR


class ReportsQuery(Schema):
    year: int = YEAR
    quarter: int = Field(..., ge=1, le=4)


def _report_out(report: QuarterReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "opd": report.opd.acronym or report.opd.name,
        "year": report.period.year,
        "quarter": report.period.quarter,
        "state": report.state,
        "late": report.late,
        "period_state": report.period.state,
        "submitted_at": report.submitted_at,
        "verified_at": report.verified_at,
        "verify_comment": report.verify_comment,
        "lock_version": report.lock_version,
    }


def _value_out(value: ReportValue, quarter: int) -> dict[str, Any]:
    row = value.row
    return {
        "id": value.pk,
        "code": row.code,
        "programme": row.programme,
        "name": row.name,
        "indicator": row.indicator,
        "unit": row.unit,
        "direction": row.direction,
        "aggregation": row.aggregation,
        "target": row.quarter_target(quarter),
        "budget_ceiling": row.budget_ceiling,
        "physical": value.physical,
        "budget": value.budget,
        "beneficiaries": value.beneficiaries,
        "beneficiaries_by_desil": value.beneficiaries_by_desil,
        "beneficiaries_by_sex": value.beneficiaries_by_sex,
        "achievement": value.achievement,
        "budget_absorption": value.budget_absorption,
        "problems": value.problems,
        "drivers": value.drivers,
        "explanation": value.explanation,
        "return_comment": value.return_comment,
        "editable": value_editable(value),
        "lock_version": value.lock_version,
    }


def _detail(user: Any, report: QuarterReport) -> dict[str, Any]:
    values = sel.report_values_for_user(user=user, report=report)
    quarter = report.period.quarter
    out = _report_out(report)
    out["values"] = [_value_out(v, quarter) for v in values]
    return out


def _scope(user: Any) -> None:
    """403 for an account without any role (like the pages' login wall), 404 for a member
    outside monitoring."""
    require_member(user)
    sel.monitoring_scope(user)


@router.get("/board", response={200: list[BoardEntryOut], 403: ErrorOut, 404: ErrorOut})
def board(request: HttpRequest, filters: Query[BoardQuery]) -> Any:
    """The completeness board of the year (an OPD sees only its own line), as the
    ``monitoring_board`` command prints it, with the id of each cell's report."""
    _scope(request.user)
    grid = board_grid_for_user(user=request.user, year=filters.year)
    return [cell for line in grid.rows for cell in line.cell_list if cell is not None]


@router.get("/reports", response={200: list[ReportOut], 403: ErrorOut, 404: ErrorOut})
def report_list(request: HttpRequest, filters: Query[ReportsQuery]) -> Any:
    """The quarter's reports: an OPD its own only."""
    _scope(request.user)
    period = period_for_year(year=filters.year, quarter=filters.quarter)
    if period is None:
        return []
    reports = sel.reports_for_user(user=request.user, period=period).select_related("period")
    return [_report_out(r) for r in reports.order_by("opd__acronym", "opd__name")]


@router.get("/reports/{report_id}", response={200: ReportDetailOut, 403: ErrorOut, 404: ErrorOut})
def report_detail(request: HttpRequest, report_id: int) -> Any:
    """One report with its values (another OPD's report answers 404)."""
    _scope(request.user)
    report = sel.report_get_for_user(user=request.user, pk=report_id)
    return _detail(request.user, report)


@router.patch(
    "/reports/{report_id}/values/{value_id}",
    response={200: ValueOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 422: ErrorOut},
)
def value_update(request: HttpRequest, report_id: int, value_id: int, payload: ValuePatch) -> Any:
    """Save an OPD's figures for one row of its own report. A value saved by someone else since
    ``lock_version`` was read answers 409 and is not changed; a locked period, a row not open
    for changes or invalid figures answer 422."""
    _scope(request.user)
    report = sel.report_get_for_user(user=request.user, pk=report_id)
    value = sel.value_get_for_user(user=request.user, pk=value_id)
    if value.report_id != report.pk:
        raise Http404
    changes = payload.dict(exclude_unset=True)
    lock_version = changes.pop("lock_version")
    try:
        saved = report_value_save(
            value=value, by=cast(User, request.user), lock_version=lock_version, data=changes
        )
    except ConcurrentEditError as exc:
        return Status(409, {"detail": " ".join(exc.messages)})
    except ValidationError as exc:
        return Status(422, {"detail": " ".join(exc.messages)})
    return _value_out(saved, report.period.quarter)
