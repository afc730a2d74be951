"""Reads for the quarterly report pages (on top of ``selectors``): the report list with its
filters, each row's change history, the follow-ups of the report and each row's
by-name-by-address beneficiary list."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from tkpk.accounts.models import Organisation
from tkpk.core.permissions import scope_for
from tkpk.core.roles import Role
from tkpk.monitoring.models import (
    FollowUp,
    QuarterReport,
    ReportValue,
    ValueChange,
)
from tkpk.monitoring.selectors import follow_ups_for_user, monitoring_scope
from tkpk.targeting.models import BeneficiaryList
from tkpk.targeting.selectors_lists import beneficiary_lists_for_user


def report_list_for_user(
    *,
    user: Any,
    year: int | None = None,
    quarter: int | None = None,
    opd: Organisation | None = None,
    state: str = "",
) -> QuerySet[QuarterReport]:
    """Every report the user may see (an OPD: its own), newest quarter first."""
    scope = monitoring_scope(user)
    reports = QuarterReport.objects.filter(scope.organisation_q("opd_id")).select_related(
        "period", "opd", "submitted_by", "verified_by"
    )
    if year is not None:
        reports = reports.filter(period__year=year)
    if quarter is not None:
        reports = reports.filter(period__quarter=quarter)
    if opd is not None:
        reports = reports.filter(opd=opd)
    if state:
        reports = reports.filter(state=state)
    return reports.order_by("-period__year", "-period__quarter", "opd__name")


def may_edit_report(*, user: Any, report: QuarterReport) -> bool:
    """The report's own OPD edits its values (the rules of each row still apply)."""
    return scope_for(user, [Role.OPD]).covers_organisation(report.opd_id)


def may_verify(*, user: Any) -> bool:
    return not scope_for(user, [Role.SEKRETARIAT]).is_empty


def value_history(*, values: list[ReportValue]) -> dict[int, list[ValueChange]]:
    """Who changed which value from what to what, per row (oldest first)."""
    history: dict[int, list[ValueChange]] = {v.pk: [] for v in values}
    changes = ValueChange.objects.filter(value__in=values).select_related("by")
    for change in changes.order_by("at", "id"):
        history[change.value_id].append(change)
    return history


def report_follow_ups_for_user(*, user: Any, report: QuarterReport) -> QuerySet[FollowUp]:
    """The period's follow-ups owned by the report's OPD (carried-in ones included)."""
    return (
        follow_ups_for_user(user=user, period=report.period)
        .filter(owner_id=report.opd_id)
        .select_related("value__row")
        .order_by("status", "due_on", "id")
    )


def list_programme(value: ReportValue) -> str:
    """The programme name a row's beneficiary list is filed under (row code included, so
    the list is found again for this row)."""
    row = value.row
    return f"{row.name[:250]} ({row.code})"


def value_lists_for_user(
    *, user: Any, report: QuarterReport, values: list[ReportValue]
) -> dict[int, BeneficiaryList]:
    """The latest beneficiary list filed for each row of the report, if the user may see lists."""
    try:
        lists = beneficiary_lists_for_user(user=user)
    except PermissionDenied:
        return {}
    by_programme = {list_programme(v): v.pk for v in values}
    found: dict[int, BeneficiaryList] = {}
    candidates = lists.filter(
        organisation_id=report.opd_id,
        year=report.period.year,
        quarter=report.period.quarter,
        programme__in=list(by_programme),
    ).order_by("created_at", "id")
    for blist in candidates:
        found[by_programme[blist.programme]] = blist  # the latest wins
    return found
